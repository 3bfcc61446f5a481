"""Unit tests of the browser check's own parts: the PNG decoder and the WebSocket framing."""
import base64
import hashlib
import socket
import struct
import threading
import unittest
import zlib

import cdp
import png


def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def encode(width, height, rows, filters):
    """An RGB PNG whose rows are stored with the given filter types (filtered here by hand)."""
    raw = b""
    previous = bytes(width * 3)
    for row, kind in zip(rows, filters):
        out = bytearray()
        for i, value in enumerate(row):
            a = row[i - 3] if i >= 3 else 0
            b = previous[i]
            c = previous[i - 3] if i >= 3 else 0
            if kind == 0:
                predictor = 0
            elif kind == 1:
                predictor = a
            elif kind == 2:
                predictor = b
            elif kind == 3:
                predictor = (a + b) >> 1
            else:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                predictor = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            out.append((value - predictor) & 0xFF)
        raw += bytes([kind]) + bytes(out)
        previous = row
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


class PNGTests(unittest.TestCase):
    def test_every_filter_decodes_to_the_pixels_written(self):
        rows = [bytes((7 * x + 31 * y + 5 * c) % 256 for x in range(4) for c in range(3)) for y in range(5)]
        data = encode(4, 5, rows, [0, 1, 2, 3, 4])
        width, height, channels, decoded = png.decode(data)
        self.assertEqual((width, height, channels), (4, 5, 3))
        self.assertEqual(decoded, rows)

    def test_a_white_picture_is_blank_and_a_half_black_one_is_not(self):
        white = bytes([255] * 12)
        mean, variance, inked, colours = png.brightness_stats(encode(4, 2, [white, white], [0, 2]))
        self.assertEqual((mean, variance, inked, colours), (255, 0, 0, 1))
        black = bytes(12)
        # Half the pixels 0, half 255: mean 127.5, variance 127.5^2, half inked, two colours.
        mean, variance, inked, colours = png.brightness_stats(encode(4, 2, [white, black], [0, 0]))
        self.assertEqual((mean, variance, inked, colours), (127.5, 127.5 ** 2, 0.5, 2))


class WebSocketTests(unittest.TestCase):
    def test_handshake_fragments_ping_and_masked_frames(self):
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        seen = {}
        big = "x" * 70000  # an 8-byte length, sent as two fragments around a ping

        def serve():
            connection, _ = server.accept()
            request = b""
            while b"\r\n\r\n" not in request:
                request += connection.recv(4096)
            key = next(line.split(b": ")[1] for line in request.split(b"\r\n") if line.startswith(b"Sec-WebSocket-Key"))
            accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
            connection.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                               b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")
            first, second = big[:40000].encode(), big[40000:].encode()
            connection.sendall(bytes([0x01, 126]) + struct.pack(">H", len(first)) + first)
            connection.sendall(bytes([0x89, 4]) + b"ping")
            connection.sendall(bytes([0x80, 127]) + struct.pack(">Q", len(second)) + second)
            buffer = b""
            while len(buffer) < (2 + 4 + 4) + (2 + 4 + 5):  # the pong, then "hello"
                buffer += connection.recv(4096)
            # The pong: masked, opcode 0xA, the ping's payload.
            seen["pong"] = buffer[0] == 0x8A and buffer[1] == 0x84
            mask = buffer[2:6]
            seen["pong_payload"] = bytes(b ^ mask[i % 4] for i, b in enumerate(buffer[6:10]))
            rest = buffer[10:]
            seen["text_header"] = (rest[0], rest[1])
            mask = rest[2:6]
            seen["text"] = bytes(b ^ mask[i % 4] for i, b in enumerate(rest[6:11]))
            connection.close()

        thread = threading.Thread(target=serve)
        thread.start()
        ws = cdp.WebSocket(f"ws://127.0.0.1:{port}/devtools/page/1", timeout=10)
        self.assertEqual(ws.receive(), big)
        ws.send("hello")
        thread.join(10)
        ws.sock.close()
        server.close()
        self.assertTrue(seen["pong"])
        self.assertEqual(seen["pong_payload"], b"ping")
        self.assertEqual(seen["text_header"], (0x81, 0x85))  # final text frame, masked, 5 bytes
        self.assertEqual(seen["text"], b"hello")


if __name__ == "__main__":
    unittest.main()
