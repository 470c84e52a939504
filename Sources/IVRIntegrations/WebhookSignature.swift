import Crypto
import Foundation

/// How a receiver knows an event came from this IVR: `X-IVR-Signature: sha256=<hex>`, the
/// HMAC-SHA256 of `<X-IVR-Timestamp>.<body>` under the shared secret. The timestamp (Unix
/// seconds) is signed with the body, so an old event replayed later can be refused.
public enum WebhookSignature {
    public static let header = "X-IVR-Signature"
    public static let timestampHeader = "X-IVR-Timestamp"

    /// The header's value for `body` sent at `timestamp`.
    public static func sign(body: String, timestamp: Int, secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp).\(body)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + code.map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `signature` is this secret's for `body` and `timestamp` (what a receiver checks),
    /// compared in constant time.
    public static func isValid(_ signature: String, body: String, timestamp: Int, secret: String) -> Bool {
        let expected = Array(sign(body: body, timestamp: timestamp, secret: secret).utf8)
        let given = Array(signature.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
