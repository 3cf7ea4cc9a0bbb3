"""Secrets handling shared by every domain: token generation, HMAC storage, TOTP secret sealing.

High-entropy secrets (session tokens, magic links, recovery codes, voter codes, API tokens) are
stored as HMAC-SHA256 under a key derived from the server secret, so a leaked database does not
reveal them and they can still be looked up by index. Human-chosen passwords use argon2id
(see ``governance.auth.passwords``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken


class Keys:
    """Keys derived from the one server secret, one per purpose."""

    def __init__(self, secret_key: str) -> None:
        if not secret_key:
            raise ValueError("a secret key is required")
        self._secret = secret_key.encode()

    def derive(self, purpose: str) -> bytes:
        return hmac.new(self._secret, b"governance:" + purpose.encode(), hashlib.sha256).digest()

    def token_hmac(self, token: str, purpose: str = "token") -> str:
        """The stored form of a high-entropy token (hex HMAC-SHA256)."""
        return hmac.new(self.derive(purpose), token.encode(), hashlib.sha256).hexdigest()

    def seal(self, plaintext: str, purpose: str = "totp") -> str:
        """Encrypt a secret that must be recovered later (TOTP secrets)."""
        key = base64.urlsafe_b64encode(self.derive(f"seal:{purpose}"))
        return Fernet(key).encrypt(plaintext.encode()).decode()

    def unseal(self, sealed: str, purpose: str = "totp") -> str:
        key = base64.urlsafe_b64encode(self.derive(f"seal:{purpose}"))
        try:
            return Fernet(key).decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise ValueError("sealed value cannot be opened with this server key") from None

    def csrf_token(self, cookie_value: str) -> str:
        return hmac.new(self.derive("csrf"), cookie_value.encode(), hashlib.sha256).hexdigest()


def new_token(nbytes: int = 32) -> str:
    """A URL-safe random token."""
    return secrets.token_urlsafe(nbytes)


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
