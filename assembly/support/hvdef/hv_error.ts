//! Hypervisor status codes: the Debug name and Display text of each HvError value.
// Ports: vm/hv1/hvdef/src/lib.rs (HvError)

/** Rust Debug of an HvError code (its variant name, or the number). */
export function hvErrorDebug(code: u32): string {
  switch (code) {
    case 0x0002: return "InvalidHypercallCode";
    case 0x0003: return "InvalidHypercallInput";
    case 0x0004: return "InvalidAlignment";
    case 0x0005: return "InvalidParameter";
    case 0x0006: return "AccessDenied";
    case 0x0007: return "InvalidPartitionState";
    case 0x0008: return "OperationDenied";
    case 0x0009: return "UnknownProperty";
    case 0x000a: return "PropertyValueOutOfRange";
    case 0x000b: return "InsufficientMemory";
    case 0x000c: return "PartitionTooDeep";
    case 0x000d: return "InvalidPartitionId";
    case 0x000e: return "InvalidVpIndex";
    case 0x0010: return "NotFound";
    case 0x0011: return "InvalidPortId";
    case 0x0012: return "InvalidConnectionId";
    case 0x0013: return "InsufficientBuffers";
    case 0x0014: return "NotAcknowledged";
    case 0x0015: return "InvalidVpState";
    case 0x0016: return "Acknowledged";
    case 0x0017: return "InvalidSaveRestoreState";
    case 0x0018: return "InvalidSynicState";
    case 0x0019: return "ObjectInUse";
    case 0x001a: return "InvalidProximityDomainInfo";
    case 0x001b: return "NoData";
    case 0x001c: return "Inactive";
    case 0x001d: return "NoResources";
    case 0x001e: return "FeatureUnavailable";
    case 0x001f: return "PartialPacket";
    case 0x0020: return "ProcessorFeatureNotSupported";
    case 0x0030: return "ProcessorCacheLineFlushSizeIncompatible";
    case 0x0033: return "InsufficientBuffer";
    case 0x0037: return "IncompatibleProcessor";
    case 0x0038: return "InsufficientDeviceDomains";
    case 0x003c: return "CpuidFeatureValidationError";
    case 0x003d: return "CpuidXsaveFeatureValidationError";
    case 0x003e: return "ProcessorStartupTimeout";
    case 0x003f: return "SmxEnabled";
    case 0x0041: return "InvalidLpIndex";
    case 0x0050: return "InvalidRegisterValue";
    case 0x0051: return "InvalidVtlState";
    case 0x0055: return "NxNotDetected";
    case 0x0057: return "InvalidDeviceId";
    case 0x0058: return "InvalidDeviceState";
    case 0x0059: return "PendingPageRequests";
    case 0x0060: return "PageRequestInvalid";
    case 0x0065: return "KeyAlreadyExists";
    case 0x0066: return "DeviceAlreadyInDomain";
    case 0x006f: return "InvalidCpuGroupId";
    case 0x0070: return "InvalidCpuGroupState";
    case 0x0071: return "OperationFailed";
    case 0x0072: return "NotAllowedWithNestedVirtActive";
    case 0x0073: return "InsufficientRootMemory";
    case 0x0074: return "EventBufferAlreadyFreed";
    case 0x0078: return "Timeout";
    case 0x0086: return "VtlAlreadyEnabled";
    case 0x0087: return "UnknownRegisterName";
  }
  return code.toString();
}

/** Rust Display of an HvError code (its documented text, or `Hypervisor error 0x....`). */
export function hvErrorDisplay(code: u32): string {
  switch (code) {
    case 0x0002: return "Invalid hypercall code";
    case 0x0003: return "Invalid hypercall input";
    case 0x0004: return "Invalid alignment";
    case 0x0005: return "Invalid parameter";
    case 0x0006: return "Access denied";
    case 0x0007: return "Invalid partition state";
    case 0x0008: return "Operation denied";
    case 0x0009: return "Unknown property";
    case 0x000a: return "Property value out of range";
    case 0x000b: return "Insufficient memory";
    case 0x000c: return "Partition too deep";
    case 0x000d: return "Invalid partition ID";
    case 0x000e: return "Invalid VP index";
    case 0x0010: return "Not found";
    case 0x0011: return "Invalid port ID";
    case 0x0012: return "Invalid connection ID";
    case 0x0013: return "Insufficient buffers";
    case 0x0014: return "Not acknowledged";
    case 0x0015: return "Invalid VP state";
    case 0x0016: return "Acknowledged";
    case 0x0017: return "Invalid save restore state";
    case 0x0018: return "Invalid SynIC state";
    case 0x0019: return "Object in use";
    case 0x001a: return "Invalid proximity domain info";
    case 0x001b: return "No data";
    case 0x001c: return "Inactive";
    case 0x001d: return "No resources";
    case 0x001e: return "Feature unavailable";
    case 0x001f: return "Partial packet";
    case 0x0020: return "Processor feature not supported";
    case 0x0030: return "Processor cache line flush size incompatible";
    case 0x0033: return "Insufficient buffer";
    case 0x0037: return "Incompatible processor";
    case 0x0038: return "Insufficient device domains";
    case 0x003c: return "CPUID feature validation error";
    case 0x003d: return "CPUID XSAVE feature validation error";
    case 0x003e: return "Processor startup timeout";
    case 0x003f: return "SMX enabled";
    case 0x0041: return "Invalid LP index";
    case 0x0050: return "Invalid register value";
    case 0x0051: return "Invalid VTL state";
    case 0x0055: return "NX not detected";
    case 0x0057: return "Invalid device ID";
    case 0x0058: return "Invalid device state";
    case 0x0059: return "Pending page requests";
    case 0x0060: return "Page request invalid";
    case 0x0065: return "Key already exists";
    case 0x0066: return "Device already in domain";
    case 0x006f: return "Invalid CPU group ID";
    case 0x0070: return "Invalid CPU group state";
    case 0x0071: return "Operation failed";
    case 0x0072: return "Not allowed with nested virtualization active";
    case 0x0073: return "Insufficient root memory";
    case 0x0074: return "Event buffer already freed";
    case 0x0078: return "The specified timeout expired before the operation completed.";
    case 0x0086: return "The VTL specified for the operation is already in an enabled state.";
    case 0x0087: return "Unknown register name";
  }
  let h = code.toString(16);
  while (h.length < 4) h = "0" + h;
  return "Hypervisor error 0x" + h;
}
