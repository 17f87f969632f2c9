//! The device key: the ed25519 key with which an instance signs its ledger entries.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

/// An instance's signing key and its id (the hex of the public key).
#[derive(Clone)]
pub struct DeviceKey {
    key: SigningKey,
    id: String,
}

impl DeviceKey {
    /// A new key from the operating system's random source.
    pub fn generate() -> DeviceKey {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).expect("the operating system provides random bytes");
        DeviceKey::from_seed(seed)
    }

    pub fn from_seed(seed: [u8; 32]) -> DeviceKey {
        let key = SigningKey::from_bytes(&seed);
        let id = hex::encode(key.verifying_key().to_bytes());
        DeviceKey { key, id }
    }

    /// Parses the key file's text: 64 hex digits of the secret seed.
    pub fn from_hex(text: &str) -> Option<DeviceKey> {
        let bytes = hex::decode(text.trim()).ok()?;
        let seed: [u8; 32] = bytes.try_into().ok()?;
        Some(DeviceKey::from_seed(seed))
    }

    /// The key file's text.
    pub fn to_hex(&self) -> String {
        hex::encode(self.key.to_bytes())
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn public_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    pub(crate) fn sign(&self, message: &[u8]) -> Signature {
        self.key.sign(message)
    }
}

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        f.debug_struct("DeviceKey").field("id", &self.id).finish()
    }
}
