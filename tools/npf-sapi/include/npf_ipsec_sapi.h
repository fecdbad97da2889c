/*
 * npf_ipsec_sapi.h - the NPF IPsec Service API (Implementation Agreement rev 1.0, Appendix A.1).
 *
 * This header defines typedefs, constants, and functions that apply to the NPF IPsec Service
 * API. It declares exactly the functions, types and constants of Appendix A.1, corrected so that
 * it compiles (C99 and C++) and has one layout on x86-64 Windows and Linux. Every change from the
 * printed header is listed, with its reason, in docs/npf-sapi-errata.md. In short:
 *   - the basic NPF types come from npf_base.h (the agreement leaves them to other agreements);
 *   - every enumerated type is a fixed-width integer typedef (E-ENUM); its enumerators keep
 *     their names and values;
 *   - the typo NPF>IfHandle_t, the extra braces in NPF_IPSecSelectorAddr_t and the nested
 *     comment banners are fixed; the include guard is not a reserved identifier.
 */
#ifndef NPF_IPSEC_SAPI_H
#define NPF_IPSEC_SAPI_H

#include "npf_base.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Misc. Definitions
 */
#define MAX_SIZE_REPLAY_WINDOW 16
#define IPSEC_OPAQUE 0   /* used for ports / protocol to indicate undefined */
#define NPF_IPVERSION4 4 /* IP Version 4 */
#define NPF_IPVERSION6 6 /* IP Version 6 */

/*
 * Interface Handle Array
 */
typedef struct
{
    NPF_IN NPF_uint32_t   nifHandles;
    NPF_IN NPF_IfHandle_t *ifHandleArray;
} NPF_IPSecInterface_Handle_Array_t;

/*
 * The Direction of a given policy / SA
 */
typedef NPF_uint32_t NPF_IPSecDirection_t;
enum
{
    NPF_IPSEC_DIRECTION_INBOUND = 1, /* Inbound policy / SA */
    NPF_IPSEC_DIRECTION_OUTBOUND = 2 /* Outbound policy / SA */
};

/*
 * SPD ID
 *
 * SPD identity selected by the caller
 */
typedef NPF_uint32_t NPF_IPSecSPD_ID_t; /* SPD ID */

/*
 * SPD Handle
 *
 * SPD handle selected by the implementation
 */
typedef NPF_uint32_t NPF_IPSecSPD_Handle_t; /* SPD Handle */
/* The following values may not be used to indicate a valid SPD handle */
#define NPF_IPSEC_SPD_HANDLE_INVALID 0

/*
 * IPSec SPD Handle Array
 *
 * SPD handles selected by the implementation
 */
typedef struct
{
    NPF_uint32_t nCount;
    NPF_IPSecSPD_Handle_t *spdHandleArray;
} NPF_IPSecSPD_Handle_Array_t;

/*
 * SPD Identity (ID and Handle)
 */
typedef struct
{
    NPF_IPSecSPD_ID_t spdID;
    NPF_IPSecSPD_Handle_t spdHandle;
    NPF_IPSecDirection_t spdDirection;
} NPF_IPSecSPD_Identity_t;

/*
 * SPD Identity Array
 */
typedef struct
{
    NPF_uint32_t nCount;
    NPF_IPSecSPD_Identity_t *spdIdentityArray;
} NPF_IPSecSPD_Identity_Array_t;

/*
 * IPSec policy ID
 *
 * Policy identity selected by the caller.
 */
typedef NPF_uint32_t NPF_IPSecPolicy_ID_t;

/*
 * IPSec Policy Handle
 *
 * Policy handle selected by the implementation
 */
typedef NPF_uint32_t NPF_IPSecPolicy_Handle_t;

/* The following values may not be used to indicate a valid policy handle */
#define NPF_IPSEC_POLICY_HANDLE_INVALID 0

/*
 * IPSec Policy Handle Array
 *
 * Policy handles selected by the implementation
 */
typedef struct
{
    NPF_uint32_t nCount;
    NPF_IPSecPolicy_Handle_t *policyHandleArray;
} NPF_IPSecPolicy_Handle_Array_t;

/*
 * Policy Identity (ID and Handle)
 */
typedef struct
{
    NPF_IPSecPolicy_ID_t policyID;
    NPF_IPSecPolicy_Handle_t policyHandle;
} NPF_IPSecPolicy_Identity_t;

/*
 * Policy Identity Array
 */
typedef struct
{
    NPF_uint32_t nCount;
    NPF_IPSecPolicy_Identity_t *policyIdentityArray;
} NPF_IPSecPolicy_Identity_Array_t;

/*
 * IPSec SA Identity
 *
 * SA identity selected by the caller.
 */
typedef NPF_uint32_t NPF_IPSecSA_ID_t;

/*
 * IPSec SA Handle
 *
 * SA handle selected by the implementation
 */
typedef NPF_uint32_t NPF_IPSecSA_Handle_t;

/* The following values may not be used to indicate a valid SA handle */
#define NPF_IPSEC_SA_HANDLE_INVALID 0

/*
 * SA Identity (ID and Handle)
 *
 * The member named policyID holds the SA ID (the agreement's name is kept; see the errata).
 */
typedef struct
{
    NPF_IPSecSA_ID_t policyID;
    NPF_IPSecSA_Handle_t SAHandle;
} NPF_IPSecSA_Identity_t;

/*
 * SA Identity Array
 */
typedef struct
{
    NPF_uint32_t nCount;
    NPF_IPSecSA_Identity_t *SAIdentityArray;
} NPF_IPSecSA_Identity_Array_t;

/*
 * SPD Policy Action
 * This is used to indicate the action taken when a given packet
 * matches an SPD rule.
 */
typedef NPF_uint32_t NPF_IPSecPolicy_Action_t;
enum
{
    NPF_IPSEC_POLICY_ACTION_IPSEC = 1,   /* Apply IPSec */
    NPF_IPSEC_POLICY_ACTION_DISCARD = 2, /* Discard / Drop */
    NPF_IPSEC_POLICY_ACTION_BYPASS = 3   /* Allow to pass */
};

/*
 * IPSec IP Selector Network Address
 * The basic IP types come from npf_base.h.
 */
typedef union
{
    NPF_IPv4Prefix_t v4;
    NPF_IPv6Prefix_t v6;
} NPF_IPSecPrefix_t;

/*
 * IPSec IP Selector Range for IPv4 and IPv6
 */
typedef struct
{
    NPF_IPv4Address_t start; /* First address in range */
    NPF_IPv4Address_t end;   /* Last address in range */
} NPF_IPSecIPv4RangeAddr_t;

typedef struct
{
    NPF_IPv6Address_t start; /* First address in range */
    NPF_IPv6Address_t end;   /* Last address in range */
} NPF_IPSecIPv6RangeAddr_t;

/*
 * Consolidated range union for v4 and v6
 */
typedef union
{
    NPF_IPSecIPv4RangeAddr_t v4;
    NPF_IPSecIPv6RangeAddr_t v6;
} NPF_IPSecRangeAddr_t;

/*
 * IPSec Selector Address type
 */
typedef NPF_uint32_t NPF_IPSecSelectorAddrType;
enum
{
    NPF_IPSEC_ADDR_TYPE_SUBNET = 0,
    NPF_IPSEC_ADDR_TYPE_RANGE = 1
};

/*
 * IPSec Selector Address
 */
typedef struct
{
    NPF_IPSecSelectorAddrType addrType; /* subnet or range */
    union
    {
        NPF_IPSecPrefix_t    prefixAddr;
        NPF_IPSecRangeAddr_t rangeAddr;
    } u;
} NPF_IPSecSelectorAddr_t;

/*
 * IPSec port range
 * Note: A specific port value (a point range) is defined
 * by setting start = end
 */
typedef struct
{
    NPF_uint16_t start; /* First port in range */
    NPF_uint16_t end;   /* Last port in range */
} NPF_IPSecPortRange_t;

/*
 * IPSec Selector
 */
#define NPF_IPSEC_SELECTORRULEFLAG_CLEAR   (0) /* default */
#define NPF_IPSEC_SELECTORRULEFLAG_NOT_SET (1 << 0)
#define NPF_IPSEC_SELECTORRULEFLAG_AND_SET (1 << 1)

typedef struct
{
    NPF_uint8_t ruleFlags;             /* rule flag with values above */
    NPF_uint8_t IP_Version;            /* 4 = IPv4, 6 = IPv6 */
    NPF_uint8_t protocol;              /* IP Transp. Protocol or OPAQUE */
    NPF_IPSecSelectorAddr_t srcIP;     /* Src Address */
    NPF_IPSecSelectorAddr_t dstIP;     /* Dst Address */
    NPF_IPSecPortRange_t srcPort;      /* IP Source Port or OPAQUE */
    NPF_IPSecPortRange_t dstPort;      /* IP Destination Port or OPAQUE */
} NPF_IPSecSelector_t;

/*
 * Single IP address
 */
typedef union
{
    NPF_IPv4Address_t v4; /* IPv4 address */
    NPF_IPv6Address_t v6; /* IPv6 address */
} NPF_IPSecIPAddress_t;

/*
 * Packet 5-tuple
 */
typedef struct
{
    NPF_uint8_t IP_Version;     /* 4 = IPv4, 6 = IPv6 */
    NPF_uint8_t protocol;       /* IP Transp. Protocol or OPAQUE */
    NPF_IPSecIPAddress_t srcIP; /* source address of packet */
    NPF_IPSecIPAddress_t dstIP; /* destination address of packet */
    NPF_uint16_t srcPort;       /* IP Source Port or OPAQUE */
    NPF_uint16_t dstPort;       /* IP Destination Port or OPAQUE */
} NPF_IPSecPacketFields_t;

/*
 * Tunnel Endpoint Addresses
 */
typedef struct
{
    NPF_uint8_t IP_Version; /* 4 = IPv4, 6 = IPv6 */
    NPF_IPSecIPAddress_t srcIP;
    NPF_IPSecIPAddress_t dstIP;
} NPF_IPSecTunEndAddr_t;

/*
 * IPSec Error Type
 */
typedef NPF_uint32_t NPF_IPSecErrorType_t; /* IPSec Error Type */

/*
 * IPSec UDP Encapsulation ports, if used
 */
typedef struct
{
    NPF_uint16_t srcPort; /* IPSec UDP Src Port */
    NPF_uint16_t dstPort; /* IPSec UDP Dst Port */
} NPF_IPSecUDP_Ports_t;

/*
 * IPSec SA Parameters
 */
typedef struct
{
    NPF_uint32_t spi;              /* the SPI / CPI for this SA */
    NPF_uint32_t flowLabel;        /* Explicit value for IPv6 Flow label */
                                   /* May be used for IPv4 TOS value also */
    NPF_uint32_t flags;            /* Misc. SA flags i.e. TOS handling */
    NPF_uint8_t authAlgo;          /* Authentication algorithm */
    NPF_uint8_t encAlgo;           /* Encryption algorithm */
    NPF_uint32_t softKbyteLimit;   /* Soft KB expiry */
    NPF_uint32_t hardKbyteLimit;   /* Hard KB expiry */
    NPF_uint32_t softSecsLimit;    /* Soft seconds expiry */
    NPF_uint32_t hardSecsLimit;    /* Hard seconds expiry */
    NPF_IPSecTunEndAddr_t TE_Addr; /* tunnel endpoint src/dest addr */
    NPF_uint8_t *authKey;          /* Authentication Key */
    NPF_uint16_t authKeyLenBits;   /* Algorithm Key Length in bits */
    NPF_uint8_t *encDecKey;        /* enc / dec key */
    NPF_uint16_t encDecKeyLenBits; /* Algorithm Key Length in bits */
    NPF_uint8_t replayWindowSize;  /* size of replay window in bytes */
} NPF_IPSecSA_t;

/*
 * IPSec Policy
 */
typedef struct
{
    NPF_IPSecPolicy_ID_t policyID;         /* Policy ID */
    NPF_IPSecPolicy_Action_t policyAction; /* Action */
    NPF_uint32_t selectorCount;            /* No of selectors */
    NPF_IPSecSelector_t *selectorArray;    /* Selector array */
} NPF_IPSecPolicy_t;

/*
 * Rate Limiting Events
 */
typedef NPF_uint32_t NPF_IPSecEventLimitType_t;
enum
{
    NPF_IPSEC_EVENT_LIMIT_TIME = 1, /* Time base limiting */
    NPF_IPSEC_EVENT_LIMIT_COUNT = 2 /* Counter base limiting */
};

/*
 * IPSec Event
 */
typedef NPF_uint32_t NPF_IPSecEvent_t;
enum
{
    NPF_IPSEC_SA_ACQUIRE = 1,           /* SPD rule found but no SA */
    NPF_IPSEC_SA_EXPIRE_KB_SOFT = 2,    /* SA KB soft Expired */
    NPF_IPSEC_SA_EXPIRE_KB_HARD = 3,    /* SA KB hard Expired */
    NPF_IPSEC_SA_EXPIRE_SECS_SOFT = 4,  /* SA seconds soft Expired */
    NPF_IPSEC_SA_EXPIRE_SECS_HARD = 5,  /* SA seconds hard Expired */
    NPF_IPSEC_SA_PURGED = 6,            /* SA forcibly removed */
    NPF_IPSEC_SA_SEQUENCE_OVERFLOW = 7, /* Sequence # overflow */
    NPF_IPSEC_CLEARPACKET_DROPPED = 8,  /* Clear text Packet dropped */
    NPF_IPSEC_REPLAY_PACKET = 9,        /* Replay packet caught */
    NPF_IPSEC_WRONG_SPI = 10,           /* Unknown SPI-value in packet */
    NPF_IPSEC_AUTH_FAILED = 11,         /* Authentication failed */
    NPF_IPSEC_DECRYPTION_FAILED = 12,   /* IPSec decryption failed */
    NPF_IPSEC_INVALID_POLICY = 13,      /* Decryption-policy mismatch */
    NPF_IPSEC_POLICY_DISCARD = 14,      /* Discard policy */
    NPF_IPSEC_REASSEMBLY_REQD = 15,     /* Fragmented packet received */
    NPF_IPSEC_MEM_FULL = 16             /* A crypto NPU ran out of memory */
};

#define IPSEC_MAX_EVENT_TYPES 16

/*
 * IPSec event bitmask used in the event registration call.
 */
typedef NPF_uint32_t NPF_IPSecEventMask_t;

/*
 * The following values can be set for the IPSecEventMask
 */
#define NPF_IPSEC_EVENT_ALL_DISABLE (0) /* disable all */
#define NPF_IPSEC_EVENT_SA_ACQUIRE_ENABLE (1 << 0)
#define NPF_IPSEC_EVENT_SA_EXPIRE_KB_SOFT_ENABLE (1 << 1)
#define NPF_IPSEC_EVENT_SA_EXPIRE_KB_HARD_ENABLE (1 << 2)
#define NPF_IPSEC_EVENT_SA_EXPIRE_SECS_SOFT_ENABLE (1 << 3)
#define NPF_IPSEC_EVENT_SA_EXPIRE_SECS_HARD_ENABLE (1 << 4)
#define NPF_IPSEC_EVENT_SA_PURGED_ENABLE (1 << 5)
#define NPF_IPSEC_EVENT_SA_SEQUENCE_OVERFLOW_ENABLE (1 << 6)
#define NPF_IPSEC_EVENT_CLEARPACKET_DROPPED_ENABLE (1 << 7)
#define NPF_IPSEC_EVENT_REPLAY_PACKET_ENABLE (1 << 8)
#define NPF_IPSEC_EVENT_WRONG_SPI_ENABLE (1 << 9)
#define NPF_IPSEC_EVENT_AUTH_FAILED_ENABLE (1 << 10)
#define NPF_IPSEC_EVENT_DECRYPTION_FAILED_ENABLE (1 << 11)
#define NPF_IPSEC_EVENT_INVALID_POLICY_ENABLE (1 << 12)
#define NPF_IPSEC_EVENT_POLICY_DISCARD_ENABLE (1 << 13)
#define NPF_IPSEC_EVENT_REASSEMBLY_REQD_ENABLE (1 << 14)
#define NPF_IPSEC_EVENT_MEM_FULL_ENABLE (1 << 15)

#define NPF_IPSEC_EVENT_ALL_ENABLE 0xFFFFFFFF

/*
 * IPSec call handle
 */
typedef NPF_uint32_t NPF_IPSecEventCallHandle_t; /* Event call handle */

typedef struct
{
    NPF_IPSecEvent_t eventId;             /* Event ID */
    NPF_IPSecEventLimitType_t limitType;  /* Limit type */
    union
    {
        NPF_uint32_t numPerSec; /* Event frequency in time */
        NPF_uint32_t nCount;    /* Generate 1 event for every
                                   nCount encounters */
    } u;
} NPF_IPSecEventLimit_t;

/*
 * IPsec SPD Policy statistics
 */
typedef struct
{
    NPF_IPSecSPD_ID_t spdID;       /* Identity of SPD containing policy */
    NPF_IPSecPolicy_ID_t policyID; /* Identity of policy */
    NPF_uint32_t policyErrors;     /* policy validation (selector) errors */
    NPF_uint32_t acquiredSAs;      /* total number of SAs acquired */
    NPF_uint32_t exceptions;       /* total exceptions generated for SA */
} NPF_IPSecPolicy_Stats_t;

/*
 * IPsec SA statistics
 */
typedef struct
{
    NPF_uint32_t HMAC_Errors;    /* HMAC (hash) errors -inbound only- */
    NPF_uint32_t decryptErrors;  /* decryption errors -inbound only- */
    NPF_uint32_t replayErrors;   /* replay attacks -inbound only- */
    NPF_uint32_t selectorErrors; /* SA selectors validation errors */
    NPF_uint64_t packetCount;    /* packet count */
    /* The above counters may be reset by a reset_SA function call */
    NPF_uint64_t bytesUsed;      /* # bytes the SA has been applied to */
    NPF_uint64_t bytesRemaining; /* # bytes remaining the SA may be
                                    applied to */
    NPF_uint32_t secsUsed;       /* # secs used for this SA */
    NPF_uint32_t secsRemaining;  /* # secs remaining before SA expires */
    NPF_uint64_t sequenceNo;     /* sequence number (Tx or Rx) */
    NPF_uint32_t exceptions;     /* total exceptions generated for SA */
    /* copy of replay bitmap -inbound only- */
    NPF_uint32_t replayBitmap[MAX_SIZE_REPLAY_WINDOW];
} NPF_IPSecSA_Stats_t;

/*
 * IPsec SA Bundle Stats
 */
typedef struct
{
    NPF_IPSecSA_ID_t saID;               /* User identifier for this SA */
    NPF_uint32_t saCount;                /* The number of SAs in the bundle */
    NPF_IPSecSA_Stats_t *saBundleStats;  /* pointer to the SA bundle data */
} NPF_IPSecSA_BundleStats_t;

/*
 * completion callback types
 */
typedef NPF_uint32_t NPF_IPSecCallbackType_t;
enum
{
    NPF_IPSEC_SPD_CREATE = 1,
    NPF_IPSEC_SPD_DESTROY,
    NPF_IPSEC_SPD_BIND,
    NPF_IPSEC_SPD_UNBIND,
    NPF_IPSEC_SPD_FLUSH,
    NPF_IPSEC_POLICY_CREATE,
    NPF_IPSEC_POLICY_DESTROY,
    NPF_IPSEC_POLICY_BATCH_CREATE,
    NPF_IPSEC_POLICY_BATCH_DESTROY,
    NPF_IPSEC_POLICY_BIND,
    NPF_IPSEC_POLICY_UNBIND,
    NPF_IPSEC_POLICY_BATCH_BIND,
    NPF_IPSEC_POLICY_BATCH_UNBIND,
    NPF_IPSEC_POLICY_CHANGEPRIORITY,
    NPF_IPSEC_SA_ADD,
    NPF_IPSEC_SA_REMOVE,
    NPF_IPSEC_SA_RESERVESPI,
    NPF_IPSEC_SA_RELEASESPI,
    NPF_IPSEC_RATELIMIT_EVENTS,
    NPF_IPSEC_POLICY_GET_STATS,
    NPF_IPSEC_SA_GET_STATS,
    NPF_IPSEC_QUERY_ALL_SPDS,
    NPF_IPSEC_QUERY_ALL_SPD_BINDINGS,
    NPF_IPSEC_QUERY_ALL_POLICIES,
    NPF_IPSEC_QUERY_ALL_POLICY_BINDINGS,
    NPF_IPSEC_QUERY_ALL_SAS,
    NPF_IPSEC_QUERY_POLICY_DATA,
    NPF_IPSEC_QUERY_SA_DATA,
    NPF_IPSEC_QUERY_SPD_HANDLE,
    NPF_IPSEC_QUERY_POLICY_HANDLE,
    NPF_IPSEC_QUERY_SA_HANDLE
};

#define IPSEC_MAX_CALLBACK_TYPES 31

/*
 * An asynchronous response contains an SPD handle,
 * an error or success code, a direction indicator,
 * and in most cases a function-specific type embedded
 * in a union. One or more of these responses
 * is passed to the callback function as an array
 * within the NPF_IPSecCallbackData_t structure (below).
 * Which member each callback type and error code carries is in docs/npf-sapi.md.
 */
typedef struct /* Asynchronous Response Structure */
{
    NPF_IPSecErrorType_t error; /* Error code for this response */
    NPF_IPSecDirection_t direction;
    union /* Function-specific structures: */
    {
        NPF_IPSecSPD_Handle_t spdHandle;
        NPF_IPSecPolicy_Handle_t policyHandle;
        NPF_IN NPF_IPSecSelector_t selector;
        NPF_IPSecSA_t SA;
        NPF_IPSecSA_Handle_t saHandle;
        NPF_IPSecPolicy_Stats_t policyStats;
        NPF_IPSecSA_BundleStats_t saStats;
        NPF_uint32_t spi;
        NPF_IfHandle_t ifHandle;
        NPF_IPSecSPD_ID_t spdID;
        NPF_IPSecPolicy_ID_t policyID;
        NPF_IPSecSA_ID_t saID;
        NPF_IPSecPolicy_Handle_Array_t policyHandles;
        NPF_IPSecSPD_Identity_Array_t spdDataArray;
        NPF_IPSecInterface_Handle_Array_t interfaceDataArray;
        NPF_IPSecPolicy_Identity_Array_t policyDataArray;
        NPF_IPSecSA_Identity_Array_t saDataArray;
        NPF_IPSecPolicy_t policyData;
    } u;
} NPF_IPSecAsyncResponse_t;

typedef struct
{
    NPF_IPSecCallbackType_t type;   /* Response to which function */
    NPF_boolean_t allOK;            /* TRUE is all completed OK */
    NPF_uint32_t nResp;             /* Number of responses in array */
    NPF_IPSecAsyncResponse_t *resp; /* Pointer to response structures */
} NPF_IPSecCallbackData_t;

/*
 * Information about missing SA
 */
typedef struct {
    NPF_IPSecSPD_ID_t spdID;              /* client side SPD ID */
    NPF_IPSecPolicy_ID_t policyID;        /* client side policy ID */
    NPF_IPSecPacketFields_t packet5Tuple; /* Fields that match selector */
    NPF_uint32_t acquireContext;          /* Acquire Context */
} NPF_IPSecSA_AcquireInfo_t;

/*
 * SA Expired information used by NPF_IPSEC_SA_EXPIRE_KB_SOFT,
 * NPF_IPSEC_SA_EXPIRE_KB_HARD, NPF_IPSEC_SA_EXPIRE_SECS_SOFT,
 * NPF_IPSEC_SA_EXPIRE_SECS_HARD or NPF_IPSEC_SA_PURGED
 */
typedef struct {
    NPF_IPSecSA_ID_t saID; /* client side ID for SA */
} NPF_IPSecSA_ExpireInfo_t;

/*
 * Information about the dropped packet, used together with
 * NPF_IPSEC_CLEARPACKET_DROPPED, NPF_IPSEC_INVALID_POLICY, NPF_IPSEC_REPLAY_PACKET and
 * NPF_IPSEC_WRONG_SPI. SPDID and PolicyID are provided for NPF_IPSEC_CLEARPACKET_DROPPED and
 * NPF_IPSEC_INVALID_POLICY; SAID for all events except NPF_IPSEC_CLEARPACKET_DROPPED.
 * A value that is not required is 0.
 */
typedef struct {
    NPF_IPSecSPD_ID_t spdID;              /* client side SPD ID */
    NPF_IPSecPolicy_ID_t policyID;        /* client side policy id */
    NPF_IPSecSA_ID_t saID;                /* SA handle */
    NPF_IPSecPacketFields_t packet5Tuple; /* offending packet 5-tuple */
} NPF_IPSecPacketDropped_t;

/*
 * Information about crypto packet dropped for events:
 * NPF_IPSEC_AUTH_FAILED
 * NPF_IPSEC_DECRYPTION_FAILED
 * NPF_IPSEC_SA_SEQUENCE_OVERFLOW
 * NPF_IPSEC_POLICY_DISCARD
 * NPF_IPSEC_REASSEMBLY_REQD
 */
typedef struct {
    NPF_uint8_t IP_Version;     /* IPv4 = 4, IPv6 = 6 */
    NPF_IPSecIPAddress_t srcIP; /* Src Address */
    NPF_IPSecIPAddress_t dstIP; /* Dst Address */
    NPF_uint8_t protocol;       /* ESP = 50, AH = 51, COMP = 108 */
    NPF_uint32_t SPI;           /* SPI value */
    NPF_uint32_t flowLabel;     /* IPv6 Flow label, 0 for IPv4 */
    NPF_uint8_t seqNo;          /* Anti replay counter (its low 8 bits) */
    NPF_uint8_t count;          /* Repetition count */
} NPF_IPSecCryptoDropped_t;

/*
 * IPsec Event Data
 */
typedef struct
{
    NPF_IPSecEvent_t eventType;
    union
    {
        NPF_IPSecSA_AcquireInfo_t acquire;
        NPF_IPSecSA_ExpireInfo_t  expire;
        NPF_IPSecPacketDropped_t  packet;
        NPF_IPSecCryptoDropped_t  crypto;
    } event;
} NPF_IPSecEventData_t;

/*
 * IPsec Event Array
 */
typedef struct
{
    NPF_uint16_t n_data;                  /* Number of events in array */
    NPF_IPSecEventData_t *eventDataArray; /* Array of event notifications */
} NPF_IPSecEventArray_t;

/*
 * Asynchronous error codes (returned in function callbacks)
 */

/*
 * IPSec reserved error codes in relation to other NPF APIs
 * Note** The maximum range is 100
 */
#define NPF_IPSEC_BASE_ERR 600 /* Base value of 600 wrt other NPF codes */

/*
 * These are generic error codes, that can be returned in any callback
 */
#define NPF_IPSEC_GENERIC_ERROR_CODE_COUNT 20 /* Should be enough */

/* The Interface handle provided was not recognized as being valid */
#define NPF_IPSEC_E_INVALID_IF_HANDLE \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + 1)

/* Already registered */
#define NPF_IPSEC_E_ALREADY_REGISTERED \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + 2)

/* Optional feature not supported */
#define NPF_IPSEC_E_OPTIONAL_FEATURE_NOT_SUPPORTED \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + 3)

/* System unable to allocate sufficient memory to complete this operation */
#define NPF_IPSEC_E_NOMEMORY \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + 4)

/*
 * Invalid IP Address error codes are defined in the IF Management API
 * i.e.
 *
 * Invalid IP address : NPF_IF_E_INVALID_IPADDR
 * Invalid IP net prefix length : NPF_IF_E_INVALID_NETPLEN
 */

/* Attempt to bind more than one SPD to an interface */
#define NPF_IPSEC_E_IF_ALREADY_BOUND \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 1)

/* Invalid SPD handle */
#define NPF_IPSEC_E_INVALID_SPD_HANDLE \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 2)

/* Invalid policy handle */
#define NPF_IPSEC_E_INVALID_POLICY_HANDLE \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 3)

/* Invalid SA handle */
#define NPF_IPSEC_E_INVALID_SA_HANDLE \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 4)

/* Invalid SPD ID - used in query functions */
#define NPF_IPSEC_E_INVALID_SPD_ID \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 5)

/* Invalid policy ID - used in query functions */
#define NPF_IPSEC_E_INVALID_POLICY_ID \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 6)

/* Invalid SA ID - used in query functions */
#define NPF_IPSEC_E_INVALID_SA_ID \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 7)

/* Invalid Policy Priority */
#define NPF_IPSEC_E_INVALID_POLICY_PRIORITY \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 8)

/* Invalid Policy Action */
#define NPF_IPSEC_E_INVALID_POLICY_ACTION \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 9)

/* Invalid selector, when attempting to add a policy */
#define NPF_IPSEC_E_INVALID_SELECTOR \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 10)

/* Invalid encryption algorithm, when attempting to add an SA */
#define NPF_IPSEC_E_INVALID_ENC_ALGO \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 11)

/* Invalid authentication algorithm, when attempting to add an SA */
#define NPF_IPSEC_E_INVALID_AUTH_ALGO \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 12)

/* Invalid compression algorithm, when attempting to add an SA */
#define NPF_IPSEC_E_INVALID_COMPRESS_ALGO \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 13)

/* NULL auth. and NULL encr. algorithms, when attempting to add an SA */
#define NPF_IPSEC_E_NULL_AUTH_NULL_ENC_ALGO \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 14)

/* Invalid encryption algorithm keylen, when attempting to add an SA */
#define NPF_IPSEC_E_INVALID_ENC_ALGO_KEYLEN \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 15)

/* Invalid authentication algorithm keylen, when attempting to add an SA */
#define NPF_IPSEC_E_INVALID_AUTH_ALGO_KEYLEN \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 16)

/* Cannot enable anti-replay when no authentication algorithm defined */
#define NPF_IPSEC_E_NO_REPLAY \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 17)

/* The SA SPI value provided is unacceptable to the implementation */
#define NPF_IPSEC_E_BAD_SPI \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 18)

/* ReserveSPI mode of operation not available */
#define NPF_IPSEC_E_RESERVESPIMODE \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 19)

/* The SPI is in use (reserved or installed) */
#define NPF_IPSEC_E_SPIINUSE \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 20)

/* Duplicate IF handle specified */
#define NPF_IPSEC_E_DUPLICATE_IF_HANDLE \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 21)

/* Duplicate SPD handle specified */
#define NPF_IPSEC_E_DUPLICATE_SPD_HANDLE \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 22)

/* Duplicate policy handle specified */
#define NPF_IPSEC_E_DUPLICATE_POLICY_HANDLE \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 23)

/* Duplicate event ID specified */
#define NPF_IPSEC_E_DUPLICATE_EVENTID \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 24)

/* Unrecognized event ID specified */
#define NPF_IPSEC_E_BAD_EVENTID \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 25)

/* Failed to unbind an object */
#define NPF_IPSEC_E_UNBIND_FAILED_BOUNDTOALL \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 26)

/* Failed to unbind an object */
#define NPF_IPSEC_E_UNBIND_FAILED_LASTBINDING \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 27)

/* Failed to bind an object */
#define NPF_IPSEC_E_BIND_FAILED_BOUNDTOALL \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 28)

/* Failed to bind an object */
#define NPF_IPSEC_E_BIND_FAILED_ALREADYBOUND \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 29)

/* SPD ID already registered */
#define NPF_IPSEC_E_SPD_ID_ALREADY_REGISTERED \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 30)

/* Policy ID already registered */
#define NPF_IPSEC_E_POLICY_ID_ALREADY_REGISTERED \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 31)

/* SA ID already registered */
#define NPF_IPSEC_E_SA_ID_ALREADY_REGISTERED \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 32)

/* Duplicate policy ID */
#define NPF_IPSEC_E_DUPLICATE_POLICY_ID \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 33)

/* Duplicate selector */
#define NPF_IPSEC_E_DUPLICATE_SELECTOR \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 34)

/* Selector rule flag unsupported */
#define NPF_IPSEC_E_SELECTOR_RULEFLAG_UNSUPPORTED \
    ((NPF_IPSecErrorType_t) NPF_IPSEC_BASE_ERR + \
     NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + 35)

/*
 * Core definitions
 */

/* IPSec Protocol */
#define NPF_IPSEC_PROTOCOL_ESP    0x01 /* RFC-2406 */
#define NPF_IPSEC_PROTOCOL_AH     0x02 /* RFC-2402 */
#define NPF_IPSEC_PROTOCOL_IPCOMP 0x04 /* IPCOMP */
#define NPF_IPSEC_PROTOCOL_V2_BIS 0x08 /* ESP / AH bis v2 */

/* DF Bit Handling */
#define NPF_IPSEC_DF_COPY  0x0 /* copy */
#define NPF_IPSEC_DF_CLEAR 0x1 /* clear */
#define NPF_IPSEC_DF_SET   0x2 /* set */

/* IPv4 TOS handling */
#define NPF_IPSEC_QOS_TOS_COPY  0x0 /* copy */
#define NPF_IPSEC_QOS_TOS_CLEAR 0x1 /* clear */
#define NPF_IPSEC_QOS_TOS_SET   0x2 /* set */

/* IPv6 DSCP / FLOWlabel handling */
#define NPF_IPSEC_QOS_DSCP_COPY  0x00 /* copy */
#define NPF_IPSEC_QOS_DSCP_CLEAR 0x01 /* clear */
#define NPF_IPSEC_QOS_DSCP_SET   0x02 /* set */

#define NPF_IPSEC_QOS_FLOWLABEL_COPY  0x00 /* copy */
#define NPF_IPSEC_QOS_FLOWLABEL_CLEAR 0x10 /* clear */
#define NPF_IPSEC_QOS_FLOWLABEL_SET   0x20 /* set */

/* Tunnel / Transport Mode */
#define NPF_IPSEC_SA_SAFLAGS_TUNNELMODE    0x0
#define NPF_IPSEC_SA_SAFLAGS_TRANSPORTMODE 0x1

/* Replay protection on / off */
#define NPF_IPSEC_SA_SAFLAGS_REPLAY_ON  0x0
#define NPF_IPSEC_SA_SAFLAGS_REPLAY_OFF 0x1

/* control lifetime in seconds */
#define NPF_IPSEC_SA_SAFLAGS_LIFETIME_ON  0x0
#define NPF_IPSEC_SA_SAFLAGS_LIFETIME_OFF 0x1

/* algorithms */
#define NPF_IPSEC_AALG_NONE     0
#define NPF_IPSEC_AALG_MD5HMAC  2
#define NPF_IPSEC_AALG_SHA1HMAC 3
#define NPF_IPSEC_AALG_AESXCBC  4

#define NPF_IPSEC_AALG_NONE_KEYBITS_LENGTH    0
#define NPF_IPSEC_AALG_MD5HMAC_KEYBITS_LENGTH 128
#define NPF_IPSEC_AALG_SHA1HMAC_KEYBITS_LENGTH 160
#define NPF_IPSEC_AALG_AESXCBC_KEYBITS_LENGTH 128

#define NPF_IPSEC_EALG_NONE    0
#define NPF_IPSEC_EALG_DESCBC  2
#define NPF_IPSEC_EALG_3DESCBC 3
#define NPF_IPSEC_EALG_NULL    11
#define NPF_IPSEC_EALG_AES     12

#define NPF_IPSEC_EALG_DESCBC_KEYBITS_LENGTH  64
#define NPF_IPSEC_EALG_3DESCBC_KEYBITS_LENGTH 192
#define NPF_IPSEC_EALG_NULL_KEYBITS_LENGTH    0
#define NPF_IPSEC_EALG_AES128_KEYBITS_LENGTH  128
#define NPF_IPSEC_EALG_AES192_KEYBITS_LENGTH  192
#define NPF_IPSEC_EALG_AES256_KEYBITS_LENGTH  256

/*
 * Function Prototypes
 */

/*
 * Completion Callback
 */

/*
 * Callback Signature
 */
typedef void (*NPF_IPSecCallbackFunc_t) (
    NPF_IN NPF_userContext_t       userContext,
    NPF_IN NPF_correlator_t        correlator,
    NPF_IN NPF_IPSecCallbackData_t callbackData);

/*
 * Callback Registration
 */
NPF_error_t NPF_IPSecRegister(NPF_IN  NPF_userContext_t       userContext,
                              NPF_IN  NPF_IPSecCallbackFunc_t cbFunc,
                              NPF_OUT NPF_callbackHandle_t    *cbHandle);

/*
 * Callback De-registration
 */
NPF_error_t NPF_IPSecDeregister(NPF_IN NPF_callbackHandle_t cbHandle);

/*
 * Event Handling
 */

/*
 * Event Handling function signature
 */
typedef void (*NPF_IPSecEventCallFunc_t) (
    NPF_IN NPF_userContext_t     userContext,
    NPF_IN NPF_IPSecEventArray_t eventArray);

/*
 * Registration
 */
NPF_error_t NPF_IPSecEventRegister(
    NPF_IN  NPF_userContext_t          userContext,
    NPF_IN  NPF_IPSecEventCallFunc_t   eventCallFunc,
    NPF_IN  NPF_IPSecEventMask_t       eventMask,
    NPF_OUT NPF_IPSecEventCallHandle_t *eventCallHandle);

/*
 * De-registration
 */
NPF_error_t NPF_IPSecEventDeregister(
    NPF_IN NPF_IPSecEventCallHandle_t eventCallHandle);

/*
 * Rate-limit Events
 */
NPF_error_t NPF_IPSecRateLimitEvents (
    NPF_IN NPF_callbackHandle_t  cbHandle,
    NPF_IN NPF_correlator_t      cbCorrelator,
    NPF_IN NPF_errorReporting_t  errorReporting,
    NPF_IN NPF_uint32_t          countEventData,
    NPF_IN NPF_IPSecEventLimit_t *eventLimitArray);

/*
 * SPD Handling
 */

/*
 * SPD Create
 */
NPF_error_t NPF_IPSecSPD_Create (
    NPF_IN NPF_callbackHandle_t cbHandle,
    NPF_IN NPF_correlator_t     cbCorrelator,
    NPF_IN NPF_errorReporting_t errorReporting,
    NPF_IN NPF_IPSecDirection_t direction,
    NPF_IN NPF_uint32_t         nifHandles,
    NPF_IN NPF_IfHandle_t       *ifHandleArray,
    NPF_IN NPF_IPSecSPD_ID_t    spdID);

/*
 * SPD Destroy
 */
NPF_error_t NPF_IPSecSPD_Destroy (
    NPF_IN NPF_callbackHandle_t  cbHandle,
    NPF_IN NPF_correlator_t      cbCorrelator,
    NPF_IN NPF_errorReporting_t  errorReporting,
    NPF_IN NPF_uint32_t          nSPDHandles,
    NPF_IN NPF_IPSecSPD_Handle_t *spdHandleArray);

/*
 * SPD Bind
 */
NPF_error_t NPF_IPSecSPD_Bind (
    NPF_IN NPF_callbackHandle_t  cbHandle,
    NPF_IN NPF_correlator_t      cbCorrelator,
    NPF_IN NPF_errorReporting_t  errorReporting,
    NPF_IN NPF_IPSecSPD_Handle_t spdHandle,
    NPF_IN NPF_uint32_t          nifHandles,
    NPF_IN NPF_IfHandle_t        *ifHandleArray);

/*
 * SPD UnBind
 */
NPF_error_t NPF_IPSecSPD_UnBind (
    NPF_IN NPF_callbackHandle_t  cbHandle,
    NPF_IN NPF_correlator_t      cbCorrelator,
    NPF_IN NPF_errorReporting_t  errorReporting,
    NPF_IN NPF_IPSecSPD_Handle_t spdHandle,
    NPF_IN NPF_uint32_t          nifHandles,
    NPF_IN NPF_IfHandle_t        *ifHandleArray);

/*
 * SPD Flush
 */
NPF_error_t NPF_IPSecSPD_Flush (
    NPF_IN NPF_callbackHandle_t  cbHandle,
    NPF_IN NPF_correlator_t      cbCorrelator,
    NPF_IN NPF_errorReporting_t  errorReporting,
    NPF_IN NPF_uint32_t          nSPDHandles,
    NPF_IN NPF_IPSecSPD_Handle_t *spdHandleArray);

/*
 * Policy Handling
 */

/*
 * Policy Create
 */
NPF_error_t NPF_IPSecPolicy_Create (
    NPF_IN NPF_callbackHandle_t  cbHandle,
    NPF_IN NPF_correlator_t      cbCorrelator,
    NPF_IN NPF_errorReporting_t  errorReporting,
    NPF_IN NPF_IPSecPolicy_t     *policy,
    NPF_IN NPF_uint32_t          nHandles,
    NPF_IN NPF_IPSecSPD_Handle_t *spdHandleArray,
    NPF_IN NPF_IPSecDirection_t  direction,
    NPF_IN NPF_uint8_t           *prioritiesArray);

/*
 * Policy Destroy
 */
NPF_error_t NPF_IPSecPolicy_Destroy (
    NPF_IN NPF_callbackHandle_t     cbHandle,
    NPF_IN NPF_correlator_t         cbCorrelator,
    NPF_IN NPF_errorReporting_t     errorReporting,
    NPF_IN NPF_IPSecPolicy_Handle_t policyHandle);

/*
 * Batch Policy Create
 */
NPF_error_t NPF_IPSecPolicy_BatchCreate (
    NPF_IN NPF_callbackHandle_t  cbHandle,
    NPF_IN NPF_correlator_t      cbCorrelator,
    NPF_IN NPF_errorReporting_t  errorReporting,
    NPF_IN NPF_uint32_t          nPolicies,
    NPF_IN NPF_IPSecPolicy_t     *policyArray,
    NPF_IN NPF_IPSecSPD_Handle_t spdHandle,
    NPF_IN NPF_IPSecDirection_t  direction,
    NPF_IN NPF_uint32_t          *prioritiesArray);

/*
 * Batch Policy Destroy
 */
NPF_error_t NPF_IPSecPolicy_BatchDestroy (
    NPF_IN NPF_callbackHandle_t     cbHandle,
    NPF_IN NPF_correlator_t         cbCorrelator,
    NPF_IN NPF_errorReporting_t     errorReporting,
    NPF_IN NPF_uint32_t             nPolicies,
    NPF_IN NPF_IPSecPolicy_Handle_t *policyHandleArray);

/*
 * Policy Bind
 */
NPF_error_t NPF_IPSecPolicy_Bind (
    NPF_IN NPF_callbackHandle_t     cbHandle,
    NPF_IN NPF_correlator_t         cbCorrelator,
    NPF_IN NPF_errorReporting_t     errorReporting,
    NPF_IN NPF_IPSecPolicy_Handle_t policyHandle,
    NPF_IN NPF_uint32_t             nHandles,
    NPF_IN NPF_IPSecSPD_Handle_t    *spdHandleArray,
    NPF_IN NPF_uint8_t              *prioritiesArray);

/*
 * Policy UnBind
 */
NPF_error_t NPF_IPSecPolicy_UnBind (
    NPF_IN NPF_callbackHandle_t     cbHandle,
    NPF_IN NPF_correlator_t         cbCorrelator,
    NPF_IN NPF_errorReporting_t     errorReporting,
    NPF_IN NPF_IPSecPolicy_Handle_t policyHandle,
    NPF_IN NPF_uint32_t             nSPDHandles,
    NPF_IN NPF_IPSecSPD_Handle_t    *spdHandleArray);

/*
 * Batch Policy Bind
 */
NPF_error_t NPF_IPSecPolicy_BatchBind (
    NPF_IN NPF_callbackHandle_t     cbHandle,
    NPF_IN NPF_correlator_t         cbCorrelator,
    NPF_IN NPF_errorReporting_t     errorReporting,
    NPF_IN NPF_uint32_t             nPolicies,
    NPF_IN NPF_IPSecPolicy_Handle_t *policyHandleArray,
    NPF_IN NPF_IPSecSPD_Handle_t    spdHandle,
    NPF_IN NPF_IPSecDirection_t     direction,
    NPF_IN NPF_uint32_t             *prioritiesArray);

/*
 * Batch Policy UnBind
 */
NPF_error_t NPF_IPSecPolicy_BatchUnBind (
    NPF_IN NPF_callbackHandle_t     cbHandle,
    NPF_IN NPF_correlator_t         cbCorrelator,
    NPF_IN NPF_errorReporting_t     errorReporting,
    NPF_IN NPF_uint32_t             nPolicies,
    NPF_IN NPF_IPSecPolicy_Handle_t *policyHandleArray,
    NPF_IN NPF_IPSecSPD_Handle_t    spdHandle);

/*
 * Policy Change Priority
 */
NPF_error_t NPF_IPSecPolicy_ChangePriority (
    NPF_IN NPF_callbackHandle_t     cbHandle,
    NPF_IN NPF_correlator_t         cbCorrelator,
    NPF_IN NPF_errorReporting_t     errorReporting,
    NPF_IN NPF_IPSecSPD_Handle_t    spdHandle,
    NPF_IN NPF_IPSecPolicy_Handle_t policyHandle,
    NPF_IN NPF_uint8_t              newPriority);

/*
 * SA Handling
 */

/*
 * SA Add
 */
NPF_error_t NPF_IPSecSA_Add (
    NPF_IN NPF_callbackHandle_t     cbHandle,
    NPF_IN NPF_correlator_t         cbCorrelator,
    NPF_IN NPF_errorReporting_t     errorReporting,
    NPF_IN NPF_IPSecPolicy_Handle_t policyHandle,
    NPF_IN NPF_IPSecSA_ID_t         saID,
    NPF_IN NPF_uint32_t             nSA_Count,
    NPF_IN NPF_IPSecSA_t            *saArray,
    NPF_IN NPF_IPSecUDP_Ports_t     udpPorts,
    NPF_IN NPF_uint32_t             selectorCount,
    NPF_IN NPF_IPSecSelector_t      *selectorArray,
    NPF_IN NPF_IPSecSA_Handle_t     previousSA,
    NPF_IN NPF_IPSecDirection_t     direction,
    NPF_IN NPF_uint32_t             acquireContext,
    NPF_IN NPF_uint32_t             vendorSpecHint);

/*
 * SA Remove
 */
NPF_error_t NPF_IPSecSA_Remove (
    NPF_IN NPF_callbackHandle_t     cbHandle,
    NPF_IN NPF_correlator_t         cbCorrelator,
    NPF_IN NPF_errorReporting_t     errorReporting,
    NPF_IN NPF_IPSecPolicy_Handle_t policyHandle,
    NPF_IN NPF_IPSecSA_Handle_t     saHandle);

/*
 * Reserve SPI
 */
NPF_error_t NPF_IPSecInSA_ReserveSPI (
    NPF_IN NPF_callbackHandle_t     cbHandle,
    NPF_IN NPF_correlator_t         cbCorrelator,
    NPF_IN NPF_errorReporting_t     errorReporting,
    NPF_IN NPF_IPSecPolicy_Handle_t policyHandle,
    NPF_IN NPF_uint32_t             selectorCount,
    NPF_IN NPF_IPSecSelector_t      *selectorArray);

/*
 * Release SPI
 */
NPF_error_t NPF_IPSecInSA_ReleaseSPI (
    NPF_IN NPF_callbackHandle_t     cbHandle,
    NPF_IN NPF_correlator_t         cbCorrelator,
    NPF_IN NPF_errorReporting_t     errorReporting,
    NPF_IN NPF_IPSecPolicy_Handle_t policyHandle,
    NPF_IN NPF_uint32_t             spi);

/*
 * Misc. / Statistics Functions
 */

/*
 * Policy Statistics
 */
NPF_error_t NPF_IPSecPolicy_GetStats (
    NPF_IN NPF_callbackHandle_t     cbHandle,
    NPF_IN NPF_correlator_t         cbCorrelator,
    NPF_IN NPF_errorReporting_t     errorReporting,
    NPF_IN NPF_IPSecPolicy_Handle_t policyHandle,
    NPF_IN NPF_boolean_t            resetStats);

/*
 * SA Statistics
 */
NPF_error_t NPF_IPSecSA_GetStats (
    NPF_IN NPF_callbackHandle_t     cbHandle,
    NPF_IN NPF_correlator_t         cbCorrelator,
    NPF_IN NPF_errorReporting_t     errorReporting,
    NPF_IN NPF_IPSecPolicy_Handle_t policyHandle,
    NPF_IN NPF_IPSecSA_Handle_t     saHandle,
    NPF_IN NPF_boolean_t            resetStats);

/*
 * Query ALL SPDs
 */
NPF_error_t NPF_IPSecQuery_AllSPDs (
    NPF_IN NPF_callbackHandle_t cbHandle,
    NPF_IN NPF_correlator_t     cbCorrelator,
    NPF_IN NPF_errorReporting_t errorReporting);

/*
 * Query ALL SPD Bindings
 */
NPF_error_t NPF_IPSecQuery_AllSPDBindings (
    NPF_IN NPF_callbackHandle_t  cbHandle,
    NPF_IN NPF_correlator_t      cbCorrelator,
    NPF_IN NPF_errorReporting_t  errorReporting,
    NPF_IN NPF_IPSecSPD_Handle_t spdHandle);

/*
 * Query ALL Policies
 */
NPF_error_t NPF_IPSecQuery_AllPolicies (
    NPF_IN NPF_callbackHandle_t  cbHandle,
    NPF_IN NPF_correlator_t      cbCorrelator,
    NPF_IN NPF_errorReporting_t  errorReporting,
    NPF_IN NPF_IPSecSPD_Handle_t spdHandle);

/*
 * Query ALL Policy Bindings
 */
NPF_error_t NPF_IPSecQuery_AllPolicyBindings (
    NPF_IN NPF_callbackHandle_t     cbHandle,
    NPF_IN NPF_correlator_t         cbCorrelator,
    NPF_IN NPF_errorReporting_t     errorReporting,
    NPF_IN NPF_IPSecPolicy_Handle_t policyHandle);

/*
 * Query ALL SAs
 */
NPF_error_t NPF_IPSecQuery_AllSAs (
    NPF_IN NPF_callbackHandle_t  cbHandle,
    NPF_IN NPF_correlator_t      cbCorrelator,
    NPF_IN NPF_errorReporting_t  errorReporting,
    NPF_IN NPF_IPSecSPD_Handle_t spdHandle);

/*
 * Query Policy Data
 */
NPF_error_t NPF_IPSecQuery_PolicyData (
    NPF_IN NPF_callbackHandle_t     cbHandle,
    NPF_IN NPF_correlator_t         cbCorrelator,
    NPF_IN NPF_errorReporting_t     errorReporting,
    NPF_IN NPF_IPSecPolicy_Handle_t policyHandle);

/*
 * Query SA Data
 */
NPF_error_t NPF_IPSecQuery_SAData (
    NPF_IN NPF_callbackHandle_t cbHandle,
    NPF_IN NPF_correlator_t     cbCorrelator,
    NPF_IN NPF_errorReporting_t errorReporting,
    NPF_IN NPF_IPSecSA_Handle_t saHandle);

/*
 * Query SPD Handles
 */
NPF_error_t NPF_IPSecQuery_SPDHandle (
    NPF_IN NPF_callbackHandle_t cbHandle,
    NPF_IN NPF_correlator_t     cbCorrelator,
    NPF_IN NPF_errorReporting_t errorReporting,
    NPF_IN NPF_uint32_t         countSPDIDs,
    NPF_IN NPF_IPSecSPD_ID_t    *spdIDArray);

/*
 * Query Policy Handles
 */
NPF_error_t NPF_IPSecQuery_PolicyHandle (
    NPF_IN NPF_callbackHandle_t cbHandle,
    NPF_IN NPF_correlator_t     cbCorrelator,
    NPF_IN NPF_errorReporting_t errorReporting,
    NPF_IN NPF_uint32_t         countPolicyIDs,
    NPF_IN NPF_IPSecPolicy_ID_t *policyIDArray);

/*
 * Query SA Handles
 */
NPF_error_t NPF_IPSecQuery_SAHandle (
    NPF_IN NPF_callbackHandle_t     cbHandle,
    NPF_IN NPF_correlator_t         cbCorrelator,
    NPF_IN NPF_errorReporting_t     errorReporting,
    NPF_IN NPF_IPSecPolicy_Handle_t policyHandle,
    NPF_IN NPF_uint32_t             countSAIDs,
    NPF_IN NPF_IPSecSA_ID_t         *arraySAIDs);

/*
 * End Function Prototypes
 */

#ifdef __cplusplus
}
#endif
#endif /* NPF_IPSEC_SAPI_H */
