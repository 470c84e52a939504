// libre (the SIP, SDP and RTP library under baresip), with plain functions in front of the
// variadic ones, which Swift cannot call.
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#define HAVE_STDBOOL_H 1
#define HAVE_INTTYPES_H 1
#include <re.h>

/// Accepts an INVITE: a provisional answer (180) or the final one (200) with `desc` (SDP).
static inline int ivr_sipsess_accept(struct sipsess **sessp, struct sipsess_sock *sock, const struct sip_msg *msg,
                                     uint16_t scode, const char *reason, struct mbuf *desc,
                                     sipsess_offer_h *offerh, sipsess_answer_h *answerh, sipsess_estab_h *estabh,
                                     sipsess_close_h *closeh, void *arg, const char *headers) {
    return sipsess_accept(sessp, sock, msg, scode, reason, "ivr", "application/sdp", desc, NULL, NULL, false,
                          offerh, answerh, estabh, NULL, NULL, closeh, arg, "%s", headers);
}

/// Answers a session accepted with a provisional response.
static inline int ivr_sipsess_answer(struct sipsess *sess, uint16_t scode, const char *reason, struct mbuf *desc,
                                     const char *headers) {
    return sipsess_answer(sess, scode, reason, desc, "%s", headers);
}

/// A reply outside any session (403, 488, 503, OPTIONS' 200), with extra header lines.
static inline int ivr_sip_reply(struct sip *sip, const struct sip_msg *msg, uint16_t scode, const char *reason,
                                const char *headers) {
    return sip_replyf(sip, msg, scode, reason, "%sContent-Length: 0\r\n\r\n", headers);
}

/// A request inside a session's dialog (REFER), with header lines and no body.
static inline int ivr_sip_dialog_request(struct sip_request **reqp, struct sip *sip, const char *method,
                                         struct sip_dialog *dialog, sip_resp_h *resph, void *arg,
                                         const char *headers) {
    return sip_drequestf(reqp, sip, true, method, dialog, 0, NULL, NULL, resph, arg,
                         "%sContent-Length: 0\r\n\r\n", headers);
}

static inline int ivr_sip_transp_add(struct sip *sip, enum sip_transp tp, const struct sa *laddr) {
    return sip_transp_add(sip, tp, laddr);
}

/// A codec in a media line: `id` its payload type, `params` its fmtp (or NULL).
static inline int ivr_sdp_format_add(struct sdp_media *m, const char *id, const char *name, uint32_t srate,
                                     const char *params) {
    if (params)
        return sdp_format_add(NULL, m, false, id, name, srate, 1, NULL, NULL, NULL, false, "%s", params);
    return sdp_format_add(NULL, m, false, id, name, srate, 1, NULL, NULL, NULL, false, NULL);
}

/// Declines a session accepted with a provisional response.
static inline int ivr_sipsess_reject(struct sipsess *sess, uint16_t scode, const char *reason) {
    return sipsess_reject(sess, scode, reason, "%s", "");
}

/// An HTTP reply with a body of `ctype`.
static inline int ivr_http_reply(struct http_conn *conn, uint16_t scode, const char *reason, const char *ctype,
                                 const char *body) {
    return http_creply(conn, scode, reason, ctype, "%s", body);
}
