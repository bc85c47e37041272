#include "textflag.h"

// The 4×16 (AVX-512) and 4×8 (AVX2) tiles of C += A·B and C += Aᵀ·B: the
// tile of C lives in eight registers while k rows of B stream by, each
// step one row of B (two registers) and four numbers of A, broadcast.
// All four take (k int, a *float64, lda int, b *float64, ldb int,
// c *float64, ldc int), strides in elements.

// ARGS loads the arguments: k in CX, A in SI, B in DI, C in DX and the
// strides in bytes in R8 (A), R9 (B) and R10 (C).
#define ARGS \
	MOVQ k+0(FP), CX \
	MOVQ a+8(FP), SI \
	MOVQ lda+16(FP), R8 \
	MOVQ b+24(FP), DI \
	MOVQ ldb+32(FP), R9 \
	MOVQ c+40(FP), DX \
	MOVQ ldc+48(FP), R10 \
	SHLQ $3, R8 \
	SHLQ $3, R9 \
	SHLQ $3, R10

// ROWPTRS points R11, R12, R13 at A's rows 1, 2 and 3 (A·B reads a row of
// A along k).
#define ROWPTRS \
	LEAQ (SI)(R8*1), R11 \
	LEAQ (R11)(R8*1), R12 \
	LEAQ (R12)(R8*1), R13

#define ZERO(r0, r1, r2, r3, r4, r5, r6, r7) \
	VXORPD r0, r0, r0 \
	VXORPD r1, r1, r1 \
	VXORPD r2, r2, r2 \
	VXORPD r3, r3, r3 \
	VXORPD r4, r4, r4 \
	VXORPD r5, r5, r5 \
	VXORPD r6, r6, r6 \
	VXORPD r7, r7, r7

// FMAROW adds a·(b0, b1) to one row of the tile, a broadcast from addr.
#define FMAROW(addr, t, b0, b1, acc0, acc1) \
	VBROADCASTSD addr, t \
	VFMADD231PD  b0, t, acc0 \
	VFMADD231PD  b1, t, acc1

// STOREROW adds one row of the tile (two registers, the second at byte
// offset half) to C and moves DX to C's next row.
#define STOREROW(acc0, acc1, half) \
	VADDPD  (DX), acc0, acc0 \
	VMOVUPD acc0, (DX) \
	VADDPD  half(DX), acc1, acc1 \
	VMOVUPD acc1, half(DX) \
	ADDQ    R10, DX

#define STORE16 \
	STOREROW(Z0, Z1, 64) \
	STOREROW(Z2, Z3, 64) \
	STOREROW(Z4, Z5, 64) \
	STOREROW(Z6, Z7, 64) \
	VZEROUPPER \
	RET

#define STORE8 \
	STOREROW(Y0, Y1, 32) \
	STOREROW(Y2, Y3, 32) \
	STOREROW(Y4, Y5, 32) \
	STOREROW(Y6, Y7, 32) \
	VZEROUPPER \
	RET

// NNLOOP is A·B's loop over k: A's rows at SI, R11, R12, R13 along k.
#define NNLOOP(loop, done, half, b0, b1, t0, t1, t2, t3, c0, c1, c2, c3, c4, c5, c6, c7) \
	ROWPTRS \
	TESTQ CX, CX \
	JZ    done \
loop: \
	VMOVUPD (DI), b0 \
	VMOVUPD half(DI), b1 \
	FMAROW((SI), t0, b0, b1, c0, c1) \
	FMAROW((R11), t1, b0, b1, c2, c3) \
	FMAROW((R12), t2, b0, b1, c4, c5) \
	FMAROW((R13), t3, b0, b1, c6, c7) \
	ADDQ    $8, SI \
	ADDQ    $8, R11 \
	ADDQ    $8, R12 \
	ADDQ    $8, R13 \
	ADDQ    R9, DI \
	DECQ    CX \
	JNZ     loop \
done:

// TLOOP is Aᵀ·B's loop over k: four neighbours of one row of A a step
// (a gradient Δᵀ Z without a transpose).
#define TLOOP(loop, done, half, b0, b1, t0, t1, t2, t3, c0, c1, c2, c3, c4, c5, c6, c7) \
	TESTQ CX, CX \
	JZ    done \
loop: \
	VMOVUPD (DI), b0 \
	VMOVUPD half(DI), b1 \
	FMAROW((SI), t0, b0, b1, c0, c1) \
	FMAROW(8(SI), t1, b0, b1, c2, c3) \
	FMAROW(16(SI), t2, b0, b1, c4, c5) \
	FMAROW(24(SI), t3, b0, b1, c6, c7) \
	ADDQ    R8, SI \
	ADDQ    R9, DI \
	DECQ    CX \
	JNZ     loop \
done:

// func gemm4x16(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int)
TEXT ·gemm4x16(SB), NOSPLIT, $0-56
	ARGS
	ZERO(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	NNLOOP(loop16, done16, 64, Z8, Z9, Z10, Z11, Z12, Z13, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	STORE16

// func gemm4x8(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int)
TEXT ·gemm4x8(SB), NOSPLIT, $0-56
	ARGS
	ZERO(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7)
	NNLOOP(loop8, done8, 32, Y8, Y9, Y10, Y11, Y12, Y13, Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7)
	STORE8

// func gemmT4x16(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int)
TEXT ·gemmT4x16(SB), NOSPLIT, $0-56
	ARGS
	ZERO(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	TLOOP(loopT16, doneT16, 64, Z8, Z9, Z10, Z11, Z12, Z13, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	STORE16

// func gemmT4x8(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int)
TEXT ·gemmT4x8(SB), NOSPLIT, $0-56
	ARGS
	ZERO(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7)
	TLOOP(loopT8, doneT8, 32, Y8, Y9, Y10, Y11, Y12, Y13, Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7)
	STORE8

// func fmaPeak(n int)
// n rounds of twelve independent 8-lane fused multiply-adds on registers
// only: the machine's float64 peak, for BenchmarkPeakFMA.
TEXT ·fmaPeak(SB), NOSPLIT, $0-8
	MOVQ n+0(FP), CX
	ZERO(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	ZERO(Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15)
	TESTQ CX, CX
	JZ   peakdone

peakloop:
	VFMADD231PD Z12, Z13, Z0
	VFMADD231PD Z12, Z13, Z1
	VFMADD231PD Z12, Z13, Z2
	VFMADD231PD Z12, Z13, Z3
	VFMADD231PD Z12, Z13, Z4
	VFMADD231PD Z12, Z13, Z5
	VFMADD231PD Z12, Z13, Z6
	VFMADD231PD Z12, Z13, Z7
	VFMADD231PD Z12, Z13, Z8
	VFMADD231PD Z12, Z13, Z9
	VFMADD231PD Z12, Z13, Z10
	VFMADD231PD Z12, Z13, Z11
	DECQ        CX
	JNZ         peakloop

peakdone:
	VZEROUPPER
	RET
