/*
 * npf_base.h - the NPF base conventions the IPsec Service API header relies on.
 *
 * The NPF IPsec Service API Implementation Agreement (rev 1.0, Appendix A.1) takes these
 * types from other NPF agreements (Software API Conventions, Interface Management, IPv4/IPv6
 * Unicast Forwarding, NPF Global) that are not part of this project. This header defines them
 * once, with fixed widths, so that npf_ipsec_sapi.h is self-contained and has the same layout
 * on x86-64 Windows (MSVC, MinGW) and x86-64 Linux (gcc, clang). See docs/npf-sapi-errata.md.
 *
 * Enumerated types are typedefs of fixed-width integers with their enumerators as constants of
 * an anonymous enum: the size of an `enum` type depends on the compiler (-fshort-enums, MSVC),
 * the size of NPF_uint32_t does not.
 */
#ifndef NPF_BASE_H
#define NPF_BASE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Parameter direction annotations (documentation only). */
#define NPF_IN
#define NPF_OUT
#define NPF_IO

/* Fixed-width integers. */
typedef uint8_t  NPF_uint8_t;
typedef uint16_t NPF_uint16_t;
typedef uint32_t NPF_uint32_t;
typedef uint64_t NPF_uint64_t;
typedef int8_t   NPF_int8_t;
typedef int16_t  NPF_int16_t;
typedef int32_t  NPF_int32_t;
typedef int64_t  NPF_int64_t;
typedef char     NPF_char8_t;

/* Boolean: 32 bits wide, NPF_FALSE is 0 and any other value is true. */
typedef NPF_uint32_t NPF_boolean_t;
#define NPF_FALSE ((NPF_boolean_t)0)
#define NPF_TRUE  ((NPF_boolean_t)1)

/* The value every NPF function returns synchronously. */
typedef NPF_uint32_t NPF_error_t;

/* Generic error codes (Software API Conventions). */
#define NPF_NO_ERROR                ((NPF_error_t)0)
#define NPF_E_UNKNOWN               ((NPF_error_t)1)
#define NPF_E_BAD_CALLBACK_HANDLE   ((NPF_error_t)2)
#define NPF_E_BAD_CALLBACK_FUNCTION ((NPF_error_t)3)

/* Handle of a registered completion callback (user context + callback function). */
typedef NPF_uint32_t NPF_callbackHandle_t;

/* Opaque value given at registration and passed back as the callbacks' first argument. */
typedef void *NPF_userContext_t;

/* Opaque value given with each asynchronous call and passed back with its completion. */
typedef void *NPF_correlator_t;

/* How much feedback an asynchronous call wants through its completion callback. */
typedef NPF_uint32_t NPF_errorReporting_t;
enum {
    NPF_REPORT_NONE = 0,   /* no completion callback at all */
    NPF_REPORT_ERRORS = 1, /* a completion callback only when the call failed (allOK false) */
    NPF_REPORT_ALL = 2     /* a completion callback for every call */
};

/* Interface handle (Interface Management API): here an interface index of the host. */
typedef NPF_uint32_t NPF_IfHandle_t;

/* IPv4 address: the 32-bit value in host byte order (192.0.2.1 is 0xC0000201). */
typedef NPF_uint32_t NPF_IPv4Address_t;

/* IPv6 address: the 16 octets in network (transmission) order. */
typedef struct {
    NPF_uint8_t octets[16];
} NPF_IPv6Address_t;

/* IPv4 network prefix: address and prefix length in bits (0..32). */
typedef struct {
    NPF_IPv4Address_t IPv4Addr;
    NPF_uint8_t IPv4NetPlen;
} NPF_IPv4Prefix_t;

/* IPv6 network prefix: address and prefix length in bits (0..128). */
typedef struct {
    NPF_IPv6Address_t IPv6Addr;
    NPF_uint8_t IPv6NetPlen;
} NPF_IPv6Prefix_t;

#ifdef __cplusplus
}
#endif

#endif /* NPF_BASE_H */
