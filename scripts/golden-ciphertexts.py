#!/usr/bin/env python3
"""Computes the golden ciphertexts of `crates/storage/src/crypto/tests.rs` with an AES-GCM and
HKDF other than the one the product uses (Python's `cryptography`), from the formats as
documented: a wrapped data key, a sealed field (format 1) and a backup's key check. The nonces
are fixed here so the output is reproducible; the product draws them at random.

A released format stays in the tests for as long as data in it may exist: when the format
changes, add the new version's vectors beside these, never replace them."""

import base64
import struct
import uuid

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def part(b: bytes) -> bytes:
    return struct.pack(">I", len(b)) + b


org = uuid.UUID(int=42).bytes
master = bytes([0xAB] * 32)  # master key v1
data_key = bytes(range(0x40, 0x60))  # the organisation's data key v1

aad = part(b"flowsense/data-key") + part(org) + part(struct.pack(">I", 1)) + part(struct.pack(">I", 1))
nonce = bytes(range(1, 13))
print("WRAPPED_DATA_KEY_V1", (nonce + AESGCM(master).encrypt(nonce, data_key, aad)).hex())

header = bytes([1]) + struct.pack(">I", 1)
table, column, row = b"connections", b"refresh_token_enc", b"7d0f3c55-0000-4000-8000-000000000001"
aad = part(b"flowsense/field") + part(header) + part(org) + part(table) + part(column) + part(row)
nonce = bytes(range(0x21, 0x2D))
sealed = header + nonce + AESGCM(data_key).encrypt(nonce, b"golden refresh token v1", aad)
print("FIELD_FORMAT_1", sealed.hex())

backup_key = HKDF(
    algorithm=hashes.SHA256(), length=32, salt=b"flowsense", info=b"flowsense/backup/v1"
).derive(master)
aad = part(b"key-check") + part(b"golden-backup") + struct.pack(">Q", 0) + b"\x01"
nonce = bytes(range(0x31, 0x3D))
check = nonce + AESGCM(backup_key).encrypt(nonce, b"flowsense backup key check", aad)
print("BACKUP_KEY_CHECK_V1", base64.b64encode(check).decode())

# A whole backup file of one (last) chunk: last flag (1), sealed length (4, big-endian), sealed.
aad = part(b"chunk") + part(b"golden-backup") + struct.pack(">Q", 0) + b"\x01"
nonce = bytes(range(0x41, 0x4D))
chunk = nonce + AESGCM(backup_key).encrypt(nonce, b"golden backup body v1", aad)
print("BACKUP_FILE_V1", (b"\x01" + struct.pack(">I", len(chunk)) + chunk).hex())
