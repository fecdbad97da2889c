/*
 * Compiled as C99 (-pedantic -Werror) and as C++ by tests/header.rs: includes the header, uses
 * every type, every function's prototype and the constants a client writes, and checks the
 * x86-64 sizes (identical on Windows and Linux: only fixed-width integers and pointers) at
 * compile time.
 */
#include "npf_ipsec_sapi.h"

#define NPF_STATIC_ASSERT(name, cond) typedef char npf_static_assert_##name[(cond) ? 1 : -1]

NPF_STATIC_ASSERT(enum_width_direction, sizeof(NPF_IPSecDirection_t) == 4);
NPF_STATIC_ASSERT(enum_width_callback_type, sizeof(NPF_IPSecCallbackType_t) == 4);
NPF_STATIC_ASSERT(enum_width_event, sizeof(NPF_IPSecEvent_t) == 4);
NPF_STATIC_ASSERT(enum_width_reporting, sizeof(NPF_errorReporting_t) == 4);
NPF_STATIC_ASSERT(sa_size, sizeof(NPF_IPSecSA_t) == 104);
NPF_STATIC_ASSERT(selector_size, sizeof(NPF_IPSecSelector_t) == 84);
NPF_STATIC_ASSERT(async_response_size, sizeof(NPF_IPSecAsyncResponse_t) == 112);
NPF_STATIC_ASSERT(callback_data_size, sizeof(NPF_IPSecCallbackData_t) == 24);
NPF_STATIC_ASSERT(sa_stats_size, sizeof(NPF_IPSecSA_Stats_t) == 128);
NPF_STATIC_ASSERT(event_data_size, sizeof(NPF_IPSecEventData_t) == 56);
NPF_STATIC_ASSERT(error_base, NPF_IPSEC_E_SELECTOR_RULEFLAG_UNSUPPORTED == 655);

typedef void (*any_fn)(void);

static void on_completion(NPF_userContext_t ctx, NPF_correlator_t cor, NPF_IPSecCallbackData_t d)
{
    (void)ctx;
    (void)cor;
    (void)d;
}

static void on_event(NPF_userContext_t ctx, NPF_IPSecEventArray_t a)
{
    (void)ctx;
    (void)a;
}

/* Every prototype, referenced (not called: this program is compiled, not linked). */
extern any_fn npf_all_functions[];
any_fn npf_all_functions[] = {
    (any_fn)&NPF_IPSecRegister, (any_fn)&NPF_IPSecDeregister,
    (any_fn)&NPF_IPSecEventRegister, (any_fn)&NPF_IPSecEventDeregister,
    (any_fn)&NPF_IPSecRateLimitEvents, (any_fn)&NPF_IPSecSPD_Create,
    (any_fn)&NPF_IPSecSPD_Destroy, (any_fn)&NPF_IPSecSPD_Bind,
    (any_fn)&NPF_IPSecSPD_UnBind, (any_fn)&NPF_IPSecSPD_Flush,
    (any_fn)&NPF_IPSecPolicy_Create, (any_fn)&NPF_IPSecPolicy_Destroy,
    (any_fn)&NPF_IPSecPolicy_BatchCreate, (any_fn)&NPF_IPSecPolicy_BatchDestroy,
    (any_fn)&NPF_IPSecPolicy_Bind, (any_fn)&NPF_IPSecPolicy_UnBind,
    (any_fn)&NPF_IPSecPolicy_BatchBind, (any_fn)&NPF_IPSecPolicy_BatchUnBind,
    (any_fn)&NPF_IPSecPolicy_ChangePriority, (any_fn)&NPF_IPSecSA_Add,
    (any_fn)&NPF_IPSecSA_Remove, (any_fn)&NPF_IPSecInSA_ReserveSPI,
    (any_fn)&NPF_IPSecInSA_ReleaseSPI, (any_fn)&NPF_IPSecPolicy_GetStats,
    (any_fn)&NPF_IPSecSA_GetStats, (any_fn)&NPF_IPSecQuery_AllSPDs,
    (any_fn)&NPF_IPSecQuery_AllSPDBindings, (any_fn)&NPF_IPSecQuery_AllPolicies,
    (any_fn)&NPF_IPSecQuery_AllPolicyBindings, (any_fn)&NPF_IPSecQuery_AllSAs,
    (any_fn)&NPF_IPSecQuery_PolicyData, (any_fn)&NPF_IPSecQuery_SAData,
    (any_fn)&NPF_IPSecQuery_SPDHandle, (any_fn)&NPF_IPSecQuery_PolicyHandle,
    (any_fn)&NPF_IPSecQuery_SAHandle,
};

int npf_header_use(void);
int npf_header_use(void)
{
    NPF_IPSecCallbackFunc_t cb = on_completion;
    NPF_IPSecEventCallFunc_t ev = on_event;
    NPF_IPSecSelector_t sel;
    NPF_IPSecSA_t sa;
    NPF_IPSecEventLimit_t lim;
    sel.ruleFlags = NPF_IPSEC_SELECTORRULEFLAG_CLEAR;
    sel.IP_Version = NPF_IPVERSION4;
    sel.srcIP.addrType = NPF_IPSEC_ADDR_TYPE_SUBNET;
    sel.srcIP.u.prefixAddr.v4.IPv4Addr = 0xC0000200u;
    sel.srcIP.u.prefixAddr.v4.IPv4NetPlen = 24;
    sel.dstIP.addrType = NPF_IPSEC_ADDR_TYPE_RANGE;
    sel.dstIP.u.rangeAddr.v4.start = 0xC6336400u;
    sel.dstIP.u.rangeAddr.v4.end = 0xC63364FFu;
    sa.authAlgo = NPF_IPSEC_AALG_SHA1HMAC;
    sa.encAlgo = NPF_IPSEC_EALG_AES;
    sa.flags = NPF_IPSEC_PROTOCOL_ESP;
    lim.eventId = NPF_IPSEC_WRONG_SPI;
    lim.limitType = NPF_IPSEC_EVENT_LIMIT_COUNT;
    lim.u.nCount = 10;
    return (cb != 0) + (ev != 0) + (int)sel.IP_Version + (int)sa.encAlgo + (int)lim.u.nCount +
           (int)(NPF_IPSEC_EVENT_ALL_ENABLE & NPF_IPSEC_EVENT_MEM_FULL_ENABLE) +
           (int)NPF_IPSEC_QUERY_SA_HANDLE + (int)NPF_REPORT_ALL + (int)NPF_TRUE;
}
