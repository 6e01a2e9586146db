//! DPoP (RFC 9449) as the AWS sign-in service takes it from the AWS CLI (`aws login`): a P-256
//! key made for each sign-in and kept in the login cache as a SEC1 PEM ("EC PRIVATE KEY"), and for
//! each token request a proof, an ES256 JWT whose header carries the public key (`jwk`) and whose
//! claims name the request (`htm`, `htu`), its time (`iat`) and a one-time id (`jti`). Written as
//! botocore's `_build_dpop_header` writes it, byte for byte up to the `jti` and the signature.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use p256::elliptic_curve::sec1::ToEncodedPoint as _;

/// The key a login session's refresh tokens are bound to. Never printed (no `Debug`).
pub struct DpopKey {
    secret: p256::SecretKey,
}

impl DpopKey {
    /// A new key from the OS's random source.
    pub fn generate() -> Result<DpopKey, String> {
        // Fewer than one 32-byte string in 2^128 is not a valid scalar; try again then.
        for _ in 0..8 {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).map_err(|e| format!("no random numbers: {e}"))?;
            if let Ok(secret) = p256::SecretKey::from_slice(&bytes) {
                return Ok(DpopKey { secret });
            }
        }
        Err("could not make a P-256 key".into())
    }

    /// The key from the cache's `dpopKey` (SEC1 PEM, as the AWS CLI writes it). The reason never
    /// quotes the text.
    pub fn from_pem(pem: &str) -> Result<DpopKey, String> {
        p256::SecretKey::from_sec1_pem(pem.trim_start())
            .map(|secret| DpopKey { secret })
            .map_err(|_| "its dpopKey is not a P-256 private key in SEC1 PEM".into())
    }

    /// SEC1 PEM with 64-character lines and a final line break, as the AWS CLI writes it. The
    /// DER is written here, not by `p256`: its `to_sec1_der` leaves out the curve's name, and
    /// the AWS CRT (which botocore reads the key with) refuses a key without it. For P-256 the
    /// layout is fixed: version 1, the 32-byte scalar, [0] prime256v1, [1] the 65-byte point.
    pub fn to_pem(&self) -> String {
        const HEAD: [u8; 7] = [0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20];
        const CURVE: [u8; 12] = [
            0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
        ];
        const POINT: [u8; 5] = [0xa1, 0x44, 0x03, 0x42, 0x00];
        let scalar = zeroize::Zeroizing::new(self.secret.to_bytes());
        let point = self.secret.public_key().to_encoded_point(false);
        let mut der = zeroize::Zeroizing::new(Vec::with_capacity(121));
        der.extend_from_slice(&HEAD);
        der.extend_from_slice(&scalar);
        der.extend_from_slice(&CURVE);
        der.extend_from_slice(&POINT);
        der.extend_from_slice(point.as_bytes());
        let body = zeroize::Zeroizing::new(STANDARD.encode(&*der));
        let mut pem = String::from("-----BEGIN EC PRIVATE KEY-----\n");
        for line in body.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(line).unwrap_or_default());
            pem.push('\n');
        }
        pem.push_str("-----END EC PRIVATE KEY-----\n");
        pem
    }

    /// The public key as a JWK, members in botocore's order.
    fn jwk(&self) -> String {
        let point = self.secret.public_key().to_encoded_point(false);
        let coord = |c: Option<&p256::FieldBytes>| URL_SAFE_NO_PAD.encode(c.map_or(&[][..], |c| c));
        format!(
            r#"{{"kty":"EC","x":"{}","y":"{}","crv":"P-256"}}"#,
            coord(point.x()),
            coord(point.y())
        )
    }

    /// The proof for a POST to `url` at `iat` (epoch seconds) with one-time id `jti`.
    pub fn proof_with(&self, url: &str, iat: i64, jti: &str) -> String {
        let header = format!(r#"{{"typ":"dpop+jwt","alg":"ES256","jwk":{}}}"#, self.jwk());
        let claims = format!(
            r#"{{"htm":"POST","htu":{},"iat":{iat},"jti":{}}}"#,
            serde_json::Value::from(url),
            serde_json::Value::from(jti)
        );
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(claims)
        );
        let signature: Signature = SigningKey::from(&self.secret).sign(input.as_bytes());
        // JWS wants r‖s, 32 bytes each, not DER.
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }

    /// The proof for a POST to `url` now, with a fresh random `jti`.
    pub fn proof(&self, url: &str) -> String {
        self.proof_with(url, crate::time::now(), &uuid4())
    }
}

/// A random (version 4) UUID, as botocore's `jti` is.
pub fn uuid4() -> String {
    let mut b = [0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        // A jti needs to be unique, not secret: the clock and pid will do.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        b = (t ^ u128::from(std::process::id()) << 96).to_be_bytes();
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::VerifyingKey;
    use p256::ecdsa::signature::Verifier as _;

    #[test]
    fn a_proof_verifies_with_its_own_jwk_and_names_the_request() {
        let key = DpopKey::generate().unwrap();
        let proof = key.proof_with("https://us-east-1.signin.aws.amazon.com/v1/token", 7, "j");
        let parts: Vec<&str> = proof.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(header["typ"], "dpop+jwt");
        assert_eq!(header["alg"], "ES256");
        assert_eq!(
            claims,
            serde_json::json!({"htm": "POST", "htu":
                "https://us-east-1.signin.aws.amazon.com/v1/token", "iat": 7, "jti": "j"})
        );
        let coord = |k: &str| {
            URL_SAFE_NO_PAD
                .decode(header["jwk"][k].as_str().unwrap())
                .unwrap()
        };
        let mut sec1 = vec![4u8];
        sec1.extend(coord("x"));
        sec1.extend(coord("y"));
        let verifier = VerifyingKey::from_sec1_bytes(&sec1).unwrap();
        let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        assert_eq!(signature.len(), 64);
        let signature = Signature::from_slice(&signature).unwrap();
        let input = format!("{}.{}", parts[0], parts[1]);
        verifier.verify(input.as_bytes(), &signature).unwrap();
    }

    #[test]
    fn the_pem_round_trips_in_the_cli_layout() {
        let key = DpopKey::generate().unwrap();
        let pem = key.to_pem();
        assert!(pem.starts_with("-----BEGIN EC PRIVATE KEY-----\n"));
        assert!(pem.ends_with("-----END EC PRIVATE KEY-----\n"));
        assert!(pem.lines().all(|l| l.len() <= 64));
        // The curve's name is in it (the AWS CRT needs it), and p256 reads it back.
        let der = STANDARD
            .decode(
                pem.lines()
                    .filter(|l| !l.starts_with("-----"))
                    .collect::<String>(),
            )
            .unwrap();
        assert_eq!(der.len(), 121);
        assert_eq!(
            &der[39..51],
            &[
                0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07
            ]
        );
        let again = DpopKey::from_pem(&pem).unwrap();
        assert_eq!(again.jwk(), key.jwk());
        assert!(DpopKey::from_pem("-----BEGIN EC PRIVATE KEY-----\nAAAA\n").is_err());
        let id = uuid4();
        assert_eq!((id.len(), &id[14..15]), (36, "4"));
    }
}
