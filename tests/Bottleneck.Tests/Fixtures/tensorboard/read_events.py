#!/usr/bin/python3
"""Reads a TensorBoard event file with Python's protobuf runtime, independently of Bottleneck's C# code.

Checks each record's TFRecord framing (uint64 length, masked CRC-32C of the length, data, masked CRC-32C of the data), parses
the data as tensorboard.Event with message classes built from a FileDescriptorSet of src/Bottleneck/IO/TensorBoard/events.proto
(made by protoc --descriptor_set_out; this avoids generated _pb2 modules, whose protoc version must match the runtime), and
prints one JSON object per event: {"wall_time", "step", "file_version" or "scalars": {tag: value}}.

Usage: /usr/bin/python3 read_events.py EVENTS_FILE DESCRIPTOR_SET
(tensorboard itself is not installed here; when it is, `tensorboard --inspect --event_file EVENTS_FILE` shows the same.)
"""
import json
import struct
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def masked(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def main():
    events_path, descriptor_path = sys.argv[1], sys.argv[2]
    fds = descriptor_pb2.FileDescriptorSet()
    with open(descriptor_path, "rb") as f:
        fds.ParseFromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for fd in fds.file:
        pool.Add(fd)
    event_class = message_factory.MessageFactory(pool).GetPrototype(pool.FindMessageTypeByName("tensorboard.Event"))
    assert crc32c(b"123456789") == 0xE3069283
    with open(events_path, "rb") as f:
        raw = f.read()
    at = 0
    while at < len(raw):
        header = raw[at:at + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", raw[at + 8:at + 12])
        if length_crc != masked(header):
            sys.exit("bad length CRC at byte %d" % at)
        data = raw[at + 12:at + 12 + length]
        (data_crc,) = struct.unpack("<I", raw[at + 12 + length:at + 16 + length])
        if data_crc != masked(data):
            sys.exit("bad data CRC at byte %d" % at)
        at += 16 + length
        event = event_class()
        event.ParseFromString(data)
        out = {"wall_time": event.wall_time, "step": event.step}
        if event.WhichOneof("what") == "file_version":
            out["file_version"] = event.file_version
        else:
            out["scalars"] = {v.tag: v.simple_value for v in event.summary.value}
        print(json.dumps(out))


if __name__ == "__main__":
    main()
