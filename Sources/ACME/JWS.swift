import Crypto
import Foundation

/// RFC 7515 JWS in the flattened JSON serialization, as RFC 8555 §6.2 requires for every POST.
enum JWS {
    /// Who signs: the account key identified by its public JWK (newAccount, revoke by certificate key) or by the
    /// account URL (`kid`, everything else).
    enum Signer {
        case jwk(ACMEAccountKey)
        case kid(ACMEAccountKey, accountURL: String)
    }

    /// The flattened JWS over `payload`; `nil` is POST-as-GET (empty payload).
    static func sign(payload: Data?, url: String, nonce: String, signer: Signer) throws(ACMEError) -> Data {
        let key: ACMEAccountKey
        var header = #"{"alg":\#(quoted(signerKey(signer).algorithm))"#
        switch signer {
        case .jwk(let k):
            key = k
            header += #","jwk":\#(k.jwkJSON)"#
        case .kid(let k, let accountURL):
            key = k
            header += #","kid":\#(quoted(accountURL))"#
        }
        header += #","nonce":\#(quoted(nonce)),"url":\#(quoted(url))}"#
        return try flattened(protected: header, payload: payload) { input throws(ACMEError) in try key.sign(input) }
    }

    /// RFC 8555 §7.3.4 external account binding: an HS256 JWS over the account's public JWK.
    static func externalAccountBinding(_ binding: ExternalAccountBinding, accountKey: ACMEAccountKey,
                                       url: String) throws(ACMEError) -> Data {
        let header = #"{"alg":"HS256","kid":\#(quoted(binding.keyID)),"url":\#(quoted(url))}"#
        let macKey = SymmetricKey(data: binding.macKey)
        return try flattened(protected: header, payload: Data(accountKey.jwkJSON.utf8)) { input throws(ACMEError) in
            Array(HMAC<SHA256>.authenticationCode(for: input, using: macKey))
        }
    }

    private static func signerKey(_ signer: Signer) -> ACMEAccountKey {
        switch signer {
        case .jwk(let key), .kid(let key, _): key
        }
    }

    private static func flattened(protected header: String, payload: Data?,
                                  sign: (Data) throws(ACMEError) -> [UInt8]) throws(ACMEError) -> Data {
        let protected = Base64URL.encode(Array(header.utf8))
        let encodedPayload = payload.map { Base64URL.encode(Array($0)) } ?? ""
        let signature = try sign(Data("\(protected).\(encodedPayload)".utf8))
        let body = #"{"protected":"\#(protected)","payload":"\#(encodedPayload)","signature":"\#(Base64URL.encode(signature))"}"#
        return Data(body.utf8)
    }

    /// A JSON string literal for `text` (quotes and control characters escaped).
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
