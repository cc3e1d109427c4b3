//! The SavedState schema of proto/openhcl_boot.proto + proto/topology.proto as a protobufjs JSON
//! descriptor, so encoding needs no file system (the browser playground services images too).
// Ports: vm/loader/loader_defs/src/shim.rs (`save_restore`), via proto/*.proto; the test
// test/persist_save.test.ts checks this equals what protobufjs reads from the .proto files.

/** protobufjs `Root.fromJSON` descriptor of the `openhcl.openhcl_boot` and `topology` packages. */
export const SAVED_STATE_DESCRIPTOR = {
  "nested": {
    "openhcl": {
      "nested": {
        "openhcl_boot": {
          "nested": {
            "IgvmMemoryType": {
              "fields": {
                "field1": {
                  "type": "uint32",
                  "id": 1
                }
              }
            },
            "MemoryVtlType": {
              "fields": {
                "field1": {
                  "type": "uint32",
                  "id": 1
                }
              }
            },
            "MemoryEntry": {
              "fields": {
                "range": {
                  "type": "topology.MemoryRange",
                  "id": 1
                },
                "vnode": {
                  "type": "uint32",
                  "id": 2
                },
                "vtl_type": {
                  "type": "MemoryVtlType",
                  "id": 3
                },
                "igvm_type": {
                  "type": "IgvmMemoryType",
                  "id": 4
                }
              }
            },
            "MmioEntry": {
              "fields": {
                "range": {
                  "type": "topology.MemoryRange",
                  "id": 1
                },
                "vtl_type": {
                  "type": "MemoryVtlType",
                  "id": 2
                }
              }
            },
            "SavedState": {
              "fields": {
                "partition_memory": {
                  "rule": "repeated",
                  "type": "MemoryEntry",
                  "id": 1
                },
                "partition_mmio": {
                  "rule": "repeated",
                  "type": "MmioEntry",
                  "id": 2
                },
                "cpus_with_mapped_interrupts_no_io": {
                  "rule": "repeated",
                  "type": "uint32",
                  "id": 3
                },
                "cpus_with_outstanding_io": {
                  "rule": "repeated",
                  "type": "uint32",
                  "id": 4
                }
              }
            }
          }
        }
      }
    },
    "topology": {
      "nested": {
        "MemoryRange": {
          "fields": {
            "start": {
              "type": "uint64",
              "id": 1
            },
            "end": {
              "type": "uint64",
              "id": 2
            }
          }
        }
      }
    }
  }
} as const;
