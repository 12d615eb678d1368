"""Files as the sandbox keeps them: uploads, stored files, and the photo/voice/document objects."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

from bot.sandbox.protocol import JSON


@dataclass(frozen=True)
class Upload:
    """A file uploaded in a multipart request, as it appears in `Call.params`."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG/JPEG/GIF/WebP, None if it isn't an image Telegram would accept."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return 512, 512
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 <= len(data) and data[i] == 0xFF:
            marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + length
        return 800, 600
    return None


def make_png(width: int = 320, height: int = 240) -> bytes:
    """A valid blank PNG, standing in for a photo a user sends."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
        )

    rows = b"".join(b"\x00" + b"\xee" * (width * 3) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


FAKE_OGG = b"OggS\x00\x02" + bytes(58)
# kind -> (file_id prefix as Telegram's look, folder in file_path, extension; "" = from the file name)
FILE_KINDS = {
    "photo": ("AgACAgUAAxk", "photos", "jpg"),
    "voice": ("AwACAgUAAxk", "voice", "oga"),
    "document": ("BQACAgUAAxk", "documents", ""),
}


@dataclass
class StoredFile:
    """A file the sandbox holds: sent by a user, uploaded by the bot, or named by an URL."""

    file_id: str
    unique_id: str
    kind: str  # "photo" | "voice" | "document"
    path: str
    data: bytes
    mime_type: str = "application/octet-stream"
    name: str = ""


def photo_json(stored: StoredFile) -> JSON:
    """The PhotoSize a Message carries for a stored photo (one size: the sandbox makes no thumbnails)."""
    width, height = image_size(stored.data) or (800, 600)
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.unique_id,
        "width": width,
        "height": height,
        "file_size": len(stored.data),
    }


def voice_json(stored: StoredFile, duration: int) -> JSON:
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.unique_id,
        "duration": duration,
        "mime_type": "audio/ogg",
        "file_size": len(stored.data),
    }


def document_json(stored: StoredFile) -> JSON:
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.unique_id,
        "file_name": stored.name or stored.path.rsplit("/", 1)[-1],
        "mime_type": stored.mime_type,
        "file_size": len(stored.data),
    }
