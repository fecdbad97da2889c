/*
 * lifecycle.c - an NPF IPsec Service API client, written against npf_ipsec_sapi.h only.
 *
 * It runs the agreement's life cycle: register a completion callback and an event handler,
 * create an inbound and an outbound SPD, create policies (one alone, two in a batch), reserve an
 * SPI, add an inbound and an outbound SA bundle, read statistics, query SPDs, policies, SAs and
 * handles, destroy a policy with an SA (an NPF_IPSEC_SA_PURGED event), provoke errors, and tear
 * everything down. Every asynchronous completion is checked; the program exits 0 when all went
 * as the agreement says and prints what failed otherwise.
 *
 * Build: cc -std=c11 -I include examples/c/lifecycle.c -L <dir of the cdylib> -lnpf_ipsec_sapi
 */
#define _POSIX_C_SOURCE 199309L
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "npf_ipsec_sapi.h"

static int failures;

#define CHECK(cond, ...)                                   \
    do {                                                   \
        if (!(cond)) {                                     \
            failures++;                                    \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);    \
            printf(__VA_ARGS__);                           \
            printf("\n");                                  \
        }                                                  \
    } while (0)

/* The last completion, copied out of the callback (its arrays die when it returns). */
struct completion {
    NPF_IPSecCallbackType_t type;
    NPF_boolean_t allOK;
    NPF_uint32_t nResp;
    NPF_IPSecErrorType_t error;
    NPF_IPSecAsyncResponse_t first;
    NPF_uint32_t count;       /* elements of the first response's array */
    NPF_uint32_t items[16];   /* handles or IDs out of that array */
    NPF_IPSecSA_Stats_t stats;
    void *correlator;
};

static struct completion last;
static atomic_int completions;
static atomic_int purged_events;
static NPF_IPSecSA_ID_t purged_sa;
static int user_context_value = 42;

static void on_completion(NPF_userContext_t ctx, NPF_correlator_t cor, NPF_IPSecCallbackData_t d)
{
    NPF_uint32_t i;
    CHECK(ctx == &user_context_value, "user context passed back");
    memset(&last, 0, sizeof last);
    last.type = d.type;
    last.allOK = d.allOK;
    last.nResp = d.nResp;
    last.correlator = cor;
    if (d.nResp > 0) {
        last.first = d.resp[0];
        last.error = d.resp[0].error;
        /* The arrays are there only in successful responses. */
        switch (last.error == NPF_NO_ERROR ? d.type : 0) {
        case NPF_IPSEC_POLICY_BATCH_CREATE:
            last.count = d.resp[0].u.policyHandles.nCount;
            for (i = 0; i < last.count && i < 16; i++)
                last.items[i] = d.resp[0].u.policyHandles.policyHandleArray[i];
            break;
        case NPF_IPSEC_QUERY_ALL_SPDS:
        case NPF_IPSEC_QUERY_SPD_HANDLE:
        case NPF_IPSEC_QUERY_ALL_POLICY_BINDINGS:
            last.count = d.resp[0].u.spdDataArray.nCount;
            for (i = 0; i < last.count && i < 16; i++)
                last.items[i] = d.resp[0].u.spdDataArray.spdIdentityArray[i].spdHandle;
            break;
        case NPF_IPSEC_QUERY_ALL_POLICIES:
        case NPF_IPSEC_QUERY_POLICY_HANDLE:
            last.count = d.resp[0].u.policyDataArray.nCount;
            for (i = 0; i < last.count && i < 16; i++)
                last.items[i] = d.resp[0].u.policyDataArray.policyIdentityArray[i].policyHandle;
            break;
        case NPF_IPSEC_QUERY_ALL_SAS:
        case NPF_IPSEC_QUERY_SA_HANDLE:
            last.count = d.resp[0].u.saDataArray.nCount;
            for (i = 0; i < last.count && i < 16; i++)
                last.items[i] = d.resp[0].u.saDataArray.SAIdentityArray[i].SAHandle;
            break;
        case NPF_IPSEC_QUERY_ALL_SPD_BINDINGS:
            last.count = d.resp[0].u.interfaceDataArray.nifHandles;
            for (i = 0; i < last.count && i < 16; i++)
                last.items[i] = d.resp[0].u.interfaceDataArray.ifHandleArray[i];
            break;
        case NPF_IPSEC_SA_GET_STATS:
            last.count = d.resp[0].u.saStats.saCount;
            if (last.count > 0)
                last.stats = d.resp[0].u.saStats.saBundleStats[0];
            break;
        case NPF_IPSEC_QUERY_POLICY_DATA:
            last.count = d.resp[0].u.policyData.selectorCount;
            break;
        default:
            break;
        }
    }
    atomic_fetch_add(&completions, 1);
}

static void on_events(NPF_userContext_t ctx, NPF_IPSecEventArray_t a)
{
    NPF_uint16_t i;
    CHECK(ctx == &user_context_value, "event user context passed back");
    for (i = 0; i < a.n_data; i++) {
        if (a.eventDataArray[i].eventType == NPF_IPSEC_SA_PURGED) {
            purged_sa = a.eventDataArray[i].event.expire.saID;
            atomic_fetch_add(&purged_events, 1);
        }
    }
}

static void pause_ms(long ms)
{
    struct timespec t;
    t.tv_sec = ms / 1000;
    t.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&t, NULL);
}

/* Waits for the completion of the call that returned `rc`; fails the run on a synchronous error. */
static int wait_done(NPF_error_t rc, const char *what)
{
    static int seen;
    int waited = 0;
    CHECK(rc == NPF_NO_ERROR, "%s: synchronous return %u", what, (unsigned)rc);
    if (rc != NPF_NO_ERROR)
        return 0;
    while (atomic_load(&completions) == seen && waited < 5000) {
        pause_ms(1);
        waited++;
    }
    CHECK(atomic_load(&completions) == seen + 1, "%s: one completion", what);
    seen = atomic_load(&completions);
    return 1;
}

static NPF_IPSecSelector_t selector(NPF_uint8_t n)
{
    NPF_IPSecSelector_t s;
    memset(&s, 0, sizeof s);
    s.ruleFlags = NPF_IPSEC_SELECTORRULEFLAG_CLEAR;
    s.IP_Version = NPF_IPVERSION4;
    s.protocol = IPSEC_OPAQUE;
    s.srcIP.addrType = NPF_IPSEC_ADDR_TYPE_SUBNET;
    s.srcIP.u.prefixAddr.v4.IPv4Addr = 0x0A000000u | ((NPF_uint32_t)n << 8); /* 10.0.n.0 */
    s.srcIP.u.prefixAddr.v4.IPv4NetPlen = 24;
    s.dstIP.addrType = NPF_IPSEC_ADDR_TYPE_RANGE;
    s.dstIP.u.rangeAddr.v4.start = 0x0A010000u | ((NPF_uint32_t)n << 8); /* 10.1.n.0 */
    s.dstIP.u.rangeAddr.v4.end = 0x0A0100FFu | ((NPF_uint32_t)n << 8);   /* 10.1.n.255 */
    return s;
}

static NPF_uint8_t auth_key[20] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
static NPF_uint8_t enc_key[16] = {21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36};

static NPF_IPSecSA_t esp_sa(NPF_uint32_t spi)
{
    NPF_IPSecSA_t sa;
    memset(&sa, 0, sizeof sa);
    sa.spi = spi;
    /* flags: ESP, transport mode (bit 14); replay and lifetime monitoring on (0). */
    sa.flags = NPF_IPSEC_PROTOCOL_ESP | (NPF_IPSEC_SA_SAFLAGS_TRANSPORTMODE << 14);
    sa.authAlgo = NPF_IPSEC_AALG_SHA1HMAC;
    sa.encAlgo = NPF_IPSEC_EALG_AES;
    sa.authKey = auth_key;
    sa.authKeyLenBits = NPF_IPSEC_AALG_SHA1HMAC_KEYBITS_LENGTH;
    sa.encDecKey = enc_key;
    sa.encDecKeyLenBits = NPF_IPSEC_EALG_AES128_KEYBITS_LENGTH;
    sa.softKbyteLimit = 500;
    sa.hardKbyteLimit = 1000;
    sa.replayWindowSize = 8;
    return sa;
}

int main(void)
{
    NPF_callbackHandle_t cb = 0, cb2 = 0;
    NPF_IPSecEventCallHandle_t ev = 0, ev2 = 0;
    NPF_IfHandle_t ifs[1] = {1};
    NPF_IPSecSPD_Handle_t spd_in, spd_out, spds[2];
    NPF_IPSecPolicy_Handle_t pol_in, pol_out, batch[2];
    NPF_IPSecSA_Handle_t sa_in, sa_out;
    NPF_IPSecSelector_t sel[2];
    NPF_IPSecPolicy_t pol, pols[2];
    NPF_uint8_t prio8[1] = {10};
    NPF_uint32_t prio32[2] = {20, 30};
    NPF_IPSecSA_t sa;
    NPF_IPSecUDP_Ports_t no_udp = {0, 0};
    NPF_uint32_t spi;
    NPF_IPSecPolicy_ID_t policy_ids[2] = {101, 999};
    NPF_IPSecEventLimit_t limit;
    int correlator_tag;

    /* Registration (6.1.2, 6.2.2). */
    CHECK(NPF_IPSecRegister(&user_context_value, NULL, &cb) == NPF_E_BAD_CALLBACK_FUNCTION,
          "NULL callback refused");
    CHECK(NPF_IPSecRegister(&user_context_value, on_completion, &cb) == NPF_NO_ERROR, "register");
    CHECK(NPF_IPSecRegister(&user_context_value, on_completion, &cb2) == NPF_IPSEC_E_ALREADY_REGISTERED &&
              cb2 == cb,
          "second registration of the pair gives the same handle");
    CHECK(NPF_IPSecEventRegister(&user_context_value, on_events, NPF_IPSEC_EVENT_SA_PURGED_ENABLE, &ev) ==
              NPF_NO_ERROR,
          "event register");
    CHECK(NPF_IPSecEventRegister(&user_context_value, on_events, NPF_IPSEC_EVENT_ALL_ENABLE, &ev2) ==
              NPF_IPSEC_E_ALREADY_REGISTERED && ev2 == ev,
          "event re-registration updates the mask");
    CHECK(NPF_IPSecEventRegister(&user_context_value, NULL, NPF_IPSEC_EVENT_ALL_ENABLE, &ev2) ==
              NPF_E_BAD_CALLBACK_HANDLE,
          "NULL event handler refused");
    CHECK(NPF_IPSecSPD_Create(cb + 1000, NULL, NPF_REPORT_ALL, NPF_IPSEC_DIRECTION_INBOUND, 1, ifs, 1) ==
              NPF_E_BAD_CALLBACK_HANDLE,
          "unknown callback handle refused");
    CHECK(NPF_IPSecSPD_Destroy(cb, NULL, NPF_REPORT_ALL, 2, NULL) == NPF_E_UNKNOWN,
          "NULL array with a count refused");
    {
        NPF_IfHandle_t twice[2] = {1, 1};
        CHECK(NPF_IPSecSPD_Create(cb, NULL, NPF_REPORT_ALL, NPF_IPSEC_DIRECTION_INBOUND, 2, twice, 1) ==
                  NPF_IPSEC_E_DUPLICATE_IF_HANDLE,
              "duplicate interface refused synchronously");
    }

    /* Rate limits (6.6.20). */
    limit.eventId = NPF_IPSEC_WRONG_SPI;
    limit.limitType = NPF_IPSEC_EVENT_LIMIT_COUNT;
    limit.u.nCount = 10;
    if (wait_done(NPF_IPSecRateLimitEvents(cb, NULL, NPF_REPORT_ALL, 1, &limit), "rate limit"))
        CHECK(last.type == NPF_IPSEC_RATELIMIT_EVENTS && last.allOK, "rate limit completes");

    /* SPDs (6.6.2). */
    if (wait_done(NPF_IPSecSPD_Create(cb, &correlator_tag, NPF_REPORT_ALL, NPF_IPSEC_DIRECTION_INBOUND, 1,
                                      ifs, 1),
                  "SPD create in")) {
        CHECK(last.type == NPF_IPSEC_SPD_CREATE && last.allOK && last.nResp == 1, "SPD create completes");
        CHECK(last.correlator == &correlator_tag, "correlator passed back");
    }
    spd_in = last.first.u.spdHandle;
    CHECK(spd_in != NPF_IPSEC_SPD_HANDLE_INVALID, "SPD handle valid");
    wait_done(NPF_IPSecSPD_Create(cb, NULL, NPF_REPORT_ALL, NPF_IPSEC_DIRECTION_OUTBOUND, 1, ifs, 2),
              "SPD create out");
    spd_out = last.first.u.spdHandle;
    if (wait_done(NPF_IPSecSPD_Create(cb, NULL, NPF_REPORT_ALL, NPF_IPSEC_DIRECTION_OUTBOUND, 0, NULL, 2),
                  "SPD create duplicate ID"))
        CHECK(!last.allOK && last.error == NPF_IPSEC_E_SPD_ID_ALREADY_REGISTERED && last.first.u.spdID == 2,
              "SPD ID already registered, ID in the response");

    /* Policies (6.6.7, 6.6.9). */
    sel[0] = selector(1);
    pol.policyID = 100;
    pol.policyAction = NPF_IPSEC_POLICY_ACTION_IPSEC;
    pol.selectorCount = 1;
    pol.selectorArray = sel;
    wait_done(NPF_IPSecPolicy_Create(cb, NULL, NPF_REPORT_ALL, &pol, 1, &spd_in, NPF_IPSEC_DIRECTION_INBOUND,
                                     prio8),
              "policy create in");
    CHECK(last.allOK, "policy create in succeeds (error %u)", (unsigned)last.error);
    pol_in = last.first.u.policyHandle;
    sel[1] = selector(2);
    pols[0].policyID = 101;
    pols[0].policyAction = NPF_IPSEC_POLICY_ACTION_IPSEC;
    pols[0].selectorCount = 1;
    pols[0].selectorArray = &sel[0];
    pols[1].policyID = 102;
    pols[1].policyAction = NPF_IPSEC_POLICY_ACTION_BYPASS;
    pols[1].selectorCount = 1;
    pols[1].selectorArray = &sel[1];
    wait_done(NPF_IPSecPolicy_BatchCreate(cb, NULL, NPF_REPORT_ALL, 2, pols, spd_out,
                                          NPF_IPSEC_DIRECTION_OUTBOUND, prio32),
              "policy batch create");
    CHECK(last.allOK && last.count == 2, "batch create gives two handles");
    batch[0] = last.items[0];
    batch[1] = last.items[1];
    pol_out = batch[0];
    /* A batch with a duplicated selector is refused synchronously, nothing created. */
    pols[1].selectorArray = &sel[0];
    pols[1].selectorCount = 1;
    sel[1] = sel[0];
    pol.selectorArray = sel;
    pol.selectorCount = 2;
    pol.policyID = 200;
    CHECK(NPF_IPSecPolicy_Create(cb, NULL, NPF_REPORT_ALL, &pol, 1, &spd_in, NPF_IPSEC_DIRECTION_INBOUND,
                                 prio8) == NPF_IPSEC_E_DUPLICATE_SELECTOR,
          "duplicate selector refused synchronously");

    /* SPI and SAs (6.6.18, 6.6.16). */
    wait_done(NPF_IPSecInSA_ReserveSPI(cb, NULL, NPF_REPORT_ALL, pol_in, 1, sel), "reserve SPI");
    CHECK(last.allOK && last.type == NPF_IPSEC_SA_RESERVESPI, "SPI reserved (error %u)", (unsigned)last.error);
    spi = last.first.u.spi;
    CHECK(spi >= 256, "reserved SPI %u", (unsigned)spi);
    sa = esp_sa(spi);
    wait_done(NPF_IPSecSA_Add(cb, NULL, NPF_REPORT_ALL, pol_in, 1000, 1, &sa, no_udp, 1, sel, 0,
                              NPF_IPSEC_DIRECTION_INBOUND, 0, 0),
              "SA add in");
    CHECK(last.allOK && last.type == NPF_IPSEC_SA_ADD, "SA in added (error %u)", (unsigned)last.error);
    sa_in = last.first.u.saHandle;
    sa = esp_sa(0x4242);
    wait_done(NPF_IPSecSA_Add(cb, NULL, NPF_REPORT_ALL, pol_out, 1001, 1, &sa, no_udp, 1, sel, 0,
                              NPF_IPSEC_DIRECTION_OUTBOUND, 0, 0),
              "SA add out");
    CHECK(last.allOK, "SA out added (error %u)", (unsigned)last.error);
    sa_out = last.first.u.saHandle;
    sa.encDecKeyLenBits = 100;
    wait_done(NPF_IPSecSA_Add(cb, NULL, NPF_REPORT_ALL, pol_out, 1002, 1, &sa, no_udp, 1, sel, 0,
                              NPF_IPSEC_DIRECTION_OUTBOUND, 0, 0),
              "SA add bad key");
    CHECK(!last.allOK && last.error == NPF_IPSEC_E_INVALID_ENC_ALGO_KEYLEN, "bad key length refused (%u)",
          (unsigned)last.error);

    /* Statistics (6.6.21, 6.6.22). */
    wait_done(NPF_IPSecSA_GetStats(cb, NULL, NPF_REPORT_ALL, pol_in, sa_in, NPF_FALSE), "SA stats");
    CHECK(last.allOK && last.count == 1 && last.first.u.saStats.saID == 1000, "SA stats of the bundle");
    wait_done(NPF_IPSecPolicy_GetStats(cb, NULL, NPF_REPORT_ALL, pol_out, NPF_TRUE), "policy stats");
    CHECK(last.allOK && last.first.u.policyStats.policyID == 101, "policy stats");

    /* Queries (6.6.23-6.6.32). */
    wait_done(NPF_IPSecQuery_AllSPDs(cb, NULL, NPF_REPORT_ALL), "query all SPDs");
    CHECK(last.allOK && last.count == 2, "two SPDs");
    wait_done(NPF_IPSecQuery_AllSPDBindings(cb, NULL, NPF_REPORT_ALL, spd_in), "query SPD bindings");
    CHECK(last.allOK && last.count == 1 && last.items[0] == 1, "SPD bound to interface 1");
    wait_done(NPF_IPSecQuery_AllPolicies(cb, NULL, NPF_REPORT_ALL, spd_out), "query policies");
    CHECK(last.allOK && last.count == 2, "two policies in the outbound SPD");
    wait_done(NPF_IPSecQuery_AllPolicyBindings(cb, NULL, NPF_REPORT_ALL, pol_out), "query policy bindings");
    CHECK(last.allOK && last.count == 1 && last.items[0] == spd_out, "policy bound to the outbound SPD");
    wait_done(NPF_IPSecQuery_AllSAs(cb, NULL, NPF_REPORT_ALL, spd_in), "query SAs");
    CHECK(last.allOK && last.count == 1 && last.items[0] == sa_in, "one SA in the inbound SPD");
    wait_done(NPF_IPSecQuery_PolicyData(cb, NULL, NPF_REPORT_ALL, pol_in), "query policy data");
    CHECK(last.allOK && last.first.u.policyData.policyID == 100 && last.count == 1, "policy data");
    wait_done(NPF_IPSecQuery_SAData(cb, NULL, NPF_REPORT_ALL, sa_out), "query SA data");
    CHECK(last.allOK && last.first.u.SA.spi == 0x4242 && last.first.u.SA.encDecKey == NULL, "SA data, no keys");
    spds[0] = 1;
    spds[1] = 77;
    wait_done(NPF_IPSecQuery_SPDHandle(cb, NULL, NPF_REPORT_ALL, 2, spds), "query SPD handles");
    CHECK(last.allOK && last.count == 2 && last.items[0] == spd_in &&
              last.items[1] == NPF_IPSEC_SPD_HANDLE_INVALID,
          "SPD handles by ID");
    wait_done(NPF_IPSecQuery_PolicyHandle(cb, NULL, NPF_REPORT_ALL, 2, policy_ids), "query policy handles");
    CHECK(last.allOK && last.items[0] == pol_out && last.items[1] == NPF_IPSEC_POLICY_HANDLE_INVALID,
          "policy handles by ID");
    {
        NPF_IPSecSA_ID_t ids[1] = {1001};
        wait_done(NPF_IPSecQuery_SAHandle(cb, NULL, NPF_REPORT_ALL, pol_out, 1, ids), "query SA handles");
        CHECK(last.allOK && last.count == 1 && last.items[0] == sa_out, "SA handle by ID");
    }

    /* errorReporting: NPF_REPORT_ERRORS completes only failures. */
    {
        int before = atomic_load(&completions);
        CHECK(NPF_IPSecQuery_AllSPDs(cb, NULL, NPF_REPORT_ERRORS) == NPF_NO_ERROR, "report errors only");
        wait_done(NPF_IPSecQuery_AllSAs(cb, NULL, NPF_REPORT_ERRORS, 9999), "failing query");
        CHECK(atomic_load(&completions) == before + 1 && last.error == NPF_IPSEC_E_INVALID_SPD_HANDLE &&
                  last.first.u.spdHandle == 9999,
              "only the failure completed, the bad handle in the response");
    }

    /* Removing the policy purges its SA: NPF_IPSEC_SA_PURGED (6.6.8, 5.3). */
    wait_done(NPF_IPSecPolicy_Destroy(cb, NULL, NPF_REPORT_ALL, pol_in), "policy destroy");
    CHECK(last.allOK && last.first.u.policyHandle == pol_in, "policy destroyed");
    {
        int waited = 0;
        while (atomic_load(&purged_events) == 0 && waited < 2000) {
            pause_ms(1);
            waited++;
        }
        CHECK(atomic_load(&purged_events) == 1 && purged_sa == 1000, "SA purged event for SA 1000");
    }

    /* Teardown. */
    wait_done(NPF_IPSecSA_Remove(cb, NULL, NPF_REPORT_ALL, pol_out, sa_out), "SA remove");
    CHECK(last.allOK && last.first.u.saHandle == sa_out, "SA removed");
    wait_done(NPF_IPSecPolicy_BatchDestroy(cb, NULL, NPF_REPORT_ALL, 2, batch), "batch destroy");
    CHECK(last.allOK && last.nResp == 2, "two policies destroyed");
    wait_done(NPF_IPSecSPD_Destroy(cb, NULL, NPF_REPORT_ALL, 0, NULL), "SPD destroy all");
    CHECK(last.allOK && last.nResp == 2, "both SPDs destroyed");
    wait_done(NPF_IPSecQuery_AllSPDs(cb, NULL, NPF_REPORT_ALL), "query all SPDs");
    CHECK(last.allOK && last.count == 0, "no SPD left");
    CHECK(NPF_IPSecEventDeregister(ev) == NPF_NO_ERROR, "event deregister");
    CHECK(NPF_IPSecEventDeregister(ev) == NPF_E_BAD_CALLBACK_HANDLE, "second event deregister refused");
    CHECK(NPF_IPSecDeregister(cb) == NPF_NO_ERROR, "deregister");
    CHECK(NPF_IPSecDeregister(cb) == NPF_E_BAD_CALLBACK_HANDLE, "second deregister refused");

    printf("lifecycle: %d completions, %d failures\n", atomic_load(&completions), failures);
    return failures == 0 ? 0 : 1;
}
