using System.Runtime.CompilerServices;

// Every struct crossing the boundary is blittable and every C bool is a byte, so the runtime
// never needs to marshal anything behind our back.
[assembly: DisableRuntimeMarshalling]
