"""Reads an 8-bit RGB or RGBA PNG into rows of pixels with the standard library (zlib), and
measures whether a picture shows anything: the spread of its pixels' brightness."""
import struct
import zlib


def decode(data):
    """(width, height, channels, rows): rows are bytes objects of width x channels samples."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    position, idat, header = 8, b"", None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError("PNG without IHDR")
    width, height, depth, color, _, _, interlace = header
    channels = {2: 3, 6: 4, 0: 1, 4: 2}.get(color)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {color}, interlace {interlace}")
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous))
        elif kind == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = previous[i]
                c = previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                predictor = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + predictor) & 0xFF
        elif kind != 0:
            raise ValueError(f"unknown PNG filter {kind}")
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def brightness_stats(png_bytes):
    """(mean, variance, share of pixels that are not near-white, distinct colours) of a PNG."""
    width, height, channels, rows = decode(png_bytes)
    total = count = square = inked = 0
    colours = set()
    for row in rows:
        for x in range(0, width * channels, channels):
            r, g, b = (row[x], row[x + 1], row[x + 2]) if channels >= 3 else (row[x],) * 3
            value = (299 * r + 587 * g + 114 * b) // 1000
            total += value
            square += value * value
            count += 1
            if value < 235:
                inked += 1
            if len(colours) < 4096:
                colours.add((r, g, b))
    mean = total / count
    return mean, square / count - mean * mean, inked / count, len(colours)
