// The embedded SavedState descriptor is exactly what protobufjs reads from proto/*.proto.
import { describe, it, expect } from "vitest";
import { join } from "node:path";
import protobuf from "protobufjs";
import { SAVED_STATE_DESCRIPTOR } from "../host/persist/saved_state_descriptor.js";
import { savedStateRoot } from "../host/persist/saved_state_proto.js";

describe("SAVED_STATE_DESCRIPTOR", () => {
  it("equals the schema protobufjs parses from proto/openhcl_boot.proto and proto/topology.proto", () => {
    const dir = join(__dirname, "..", "proto");
    const root = new protobuf.Root();
    root.resolvePath = (_o, target) => join(dir, target.replace(/^.*[\\/]/, ""));
    root.loadSync("openhcl_boot.proto", { keepCase: true });
    root.resolveAll();
    expect(JSON.parse(JSON.stringify(SAVED_STATE_DESCRIPTOR))).toEqual(root.toJSON());
    // and encodes repeated uint32 packed, as proto3 (and mesh_protobuf) do
    const t = savedStateRoot().lookupType("openhcl.openhcl_boot.SavedState");
    expect(Buffer.from(t.encode(t.fromObject({ cpus_with_outstanding_io: [1, 2, 3] })).finish()).toString("hex")).toBe("2203010203");
  });
});
