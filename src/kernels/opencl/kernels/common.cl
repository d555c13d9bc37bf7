// Shared by every kernel. The host compiles this program once per device and value/index type with
// -D VALUE=float|double -D INDEX=int|long (and SF_FP64 for double).
#ifdef SF_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif
typedef VALUE value_t;
typedef INDEX index_t;
// Output columns one work-item accumulates at most (register tile width). Loops over them run to this
// constant with a guard on the runtime count, so compilers unroll them and keep acc[] in registers
// (a runtime-indexed private array would live in slow per-thread memory on GPUs).
#define MAX_COLS_PER_LANE 4
// Non-zeros per step of csr_spmm_blocks' inner loop (a build option may set another).
#ifndef SPMM_UNROLL
#define SPMM_UNROLL 4
#endif
#if SPMM_UNROLL < 1
#error "SPMM_UNROLL must be at least 1"
#endif
