#include "textflag.h"

// Vector tanh and exp with AVX-512, eight lanes at a time, for the batched
// passes' activations and softmax: the same algorithms as Go's math.Tanh
// (Cephes) and math.Exp, within two units in the last place of them.
//
// exp(y): n = round(y/ln 2), r = y − n·ln2hi − n·ln2lo (|r| ≤ ln2/2),
// e^r by its Taylor polynomial of degree 13 (error below 2e−16 relative),
// then scaled by 2^n (VSCALEFPD, which overflows to +Inf and underflows
// to 0 as exp does).

#define LOADCONST(val, reg) MOVQ $val, AX; VPBROADCASTQ AX, reg

// The arguments are clamped to [−1100, 1000] first, where exp is 0 and
// +Inf already, so that ±Inf reduce to no NaN; a NaN argument comes out
// as the clamp's bound, and the callers put the NaN back.
// BCAST8 is eight copies of a constant, for an operand in memory.
#define BCAST8(name, val) \
	DATA name+0(SB)/8, val \
	DATA name+8(SB)/8, val \
	DATA name+16(SB)/8, val \
	DATA name+24(SB)/8, val \
	DATA name+32(SB)/8, val \
	DATA name+40(SB)/8, val \
	DATA name+48(SB)/8, val \
	DATA name+56(SB)/8, val \
	GLOBL name(SB), RODATA|NOPTR, $64

BCAST8(expHi<>, $0x408f400000000000)
BCAST8(expLo<>, $0xc091300000000000)

// EXP8 computes Z20 = exp(Z20), using Z21–Z23 and the constants in
// Z24–Z31 and Z12–Z19 (see EXPCONSTS).
#define EXP8 \
	VMINPD       expHi<>(SB), Z20, Z20 \
	VMAXPD       expLo<>(SB), Z20, Z20 \
	VMULPD       Z24, Z20, Z21 \
	VRNDSCALEPD  $0, Z21, Z21 \
	VFNMADD231PD Z25, Z21, Z20 \
	VFNMADD231PD Z26, Z21, Z20 \
	VMOVAPD      Z27, Z22 \
	VFMADD213PD  Z28, Z20, Z22 \
	VFMADD213PD  Z29, Z20, Z22 \
	VFMADD213PD  Z30, Z20, Z22 \
	VFMADD213PD  Z31, Z20, Z22 \
	VFMADD213PD  Z16, Z20, Z22 \
	VFMADD213PD  Z17, Z20, Z22 \
	VFMADD213PD  Z18, Z20, Z22 \
	VFMADD213PD  Z19, Z20, Z22 \
	VFMADD213PD  Z15, Z20, Z22 \
	VFMADD213PD  Z14, Z20, Z22 \
	VFMADD213PD  Z13, Z20, Z22 \
	VFMADD213PD  Z12, Z20, Z22 \
	VFMADD213PD  Z12, Z20, Z22 \
	VSCALEFPD    Z21, Z22, Z20

// EXPCONSTS loads log2(e), ln2 in two parts and 1/13!, …, 1/2!, 1.
// Horner: p = c13; p = p·r + c12; …; p = p·r + c1 (=1); p = p·r + c0 (=1).
#define EXPCONSTS \
	LOADCONST(0x3ff71547652b82fe, Z24) \
	LOADCONST(0x3fe62e42fee00000, Z25) \
	LOADCONST(0x3dea39ef35793c76, Z26) \
	LOADCONST(0x3de6124613a86d09, Z27) \
	LOADCONST(0x3e21eed8eff8d898, Z28) \
	LOADCONST(0x3e5ae64567f544e4, Z29) \
	LOADCONST(0x3e927e4fb7789f5c, Z30) \
	LOADCONST(0x3ec71de3a556c734, Z31) \
	LOADCONST(0x3efa01a01a01a01a, Z16) \
	LOADCONST(0x3f2a01a01a01a01a, Z17) \
	LOADCONST(0x3f56c16c16c16c17, Z18) \
	LOADCONST(0x3f81111111111111, Z19) \
	LOADCONST(0x3fa5555555555555, Z15) \
	LOADCONST(0x3fc5555555555555, Z14) \
	LOADCONST(0x3fe0000000000000, Z13) \
	LOADCONST(0x3ff0000000000000, Z12)

// NEXT8 puts the NaNs of the argument (Z9) back into the result (Z20),
// stores it and goes on to the next eight numbers.
#define NEXT8(loop) \
	VCMPPD  $3, Z9, Z9, K2 \
	VMOVAPD Z9, K2, Z20 \
	VMOVUPD Z20, (DI) \
	ADDQ    $64, SI \
	ADDQ    $64, DI \
	DECQ    CX \
	JNZ     loop

// func expVec(dst, src *float64, n int)
// dst[i] = exp(src[i]) for i < n, n a multiple of 8.
TEXT ·expVec(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	EXPCONSTS
	SHRQ $3, CX
	JZ   expdone

exploop:
	VMOVUPD (SI), Z9
	VMOVAPD Z9, Z20
	EXP8
	NEXT8(exploop)

expdone:
	VZEROUPPER
	RET

// func tanhVec(dst, src *float64, n int)
// dst[i] = tanh(src[i]) for i < n, n a multiple of 8: for |x| < 0.625
// x + x·x²·P(x²)/Q(x²) (Cephes), else 1 − 2/(e^{2|x|} + 1), with x's sign.
TEXT ·tanhVec(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	EXPCONSTS
	LOADCONST(0x7fffffffffffffff, Z0)
	LOADCONST(0x3fe4000000000000, Z1)
	LOADCONST(0xbfeedc5baafd6f4b, Z2)
	LOADCONST(0xc058d26a0e26682d, Z3)
	LOADCONST(0xc0993ac030580563, Z4)
	LOADCONST(0x405c33f28a581b86, Z5)
	LOADCONST(0x40a176fa0e5535fa, Z6)
	LOADCONST(0x40b2ec102442040c, Z7)
	LOADCONST(0x4000000000000000, Z8)
	SHRQ $3, CX
	JZ   tanhdone

tanhloop:
	VMOVUPD (SI), Z9
	VPANDQ  Z0, Z9, Z10
	VPANDNQ Z9, Z0, Z11

	// large: 1 − 2/(e^{2|x|} + 1)
	VADDPD Z10, Z10, Z20
	EXP8
	VADDPD Z12, Z20, Z20
	VDIVPD Z20, Z8, Z20
	VSUBPD Z20, Z12, Z20

	// small: |x| + |x|·s·P(s)/Q(s), s = x²
	VMULPD      Z10, Z10, Z21
	VMOVAPD     Z2, Z22
	VFMADD213PD Z3, Z21, Z22
	VFMADD213PD Z4, Z21, Z22
	VADDPD      Z5, Z21, Z23
	VFMADD213PD Z6, Z21, Z23
	VFMADD213PD Z7, Z21, Z23
	VDIVPD      Z23, Z22, Z22
	VMULPD      Z21, Z22, Z22
	VFMADD213PD Z10, Z10, Z22

	VCMPPD    $1, Z1, Z10, K1
	VBLENDMPD Z22, Z20, K1, Z20
	VPORQ     Z11, Z20, Z20
	NEXT8(tanhloop)

tanhdone:
	VZEROUPPER
	RET

// func mulVec(dst, a, b *float64, n int)
// dst[i] = a[i]·b[i] for i < n, n a multiple of 8.
TEXT ·mulVec(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ   muldone

mulloop:
	VMOVUPD (SI), Z0
	VMULPD  (DX), Z0, Z0
	VMOVUPD Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DX
	ADDQ    $64, DI
	DECQ    CX
	JNZ     mulloop

muldone:
	VZEROUPPER
	RET

// func rdeltaVec(rd, d, d1, d2, ra, p, rp *float64, n int)
// The R-operator's step down a layer: rd = d2·ra·p + d1·rp and d = p·d1,
// for i < n, n a multiple of 8.
TEXT ·rdeltaVec(SB), NOSPLIT, $0-64
	MOVQ rd+0(FP), DI
	MOVQ d+8(FP), R8
	MOVQ d1+16(FP), R9
	MOVQ d2+24(FP), R10
	MOVQ ra+32(FP), R11
	MOVQ p+40(FP), R12
	MOVQ rp+48(FP), R13
	MOVQ n+56(FP), CX
	SHRQ $3, CX
	JZ   rddone

rdloop:
	VMOVUPD     (R12), Z0
	VMOVUPD     (R9), Z1
	VMULPD      (R10), Z0, Z2
	VMULPD      (R11), Z2, Z2
	VMOVUPD     (R13), Z3
	VFMADD231PD Z3, Z1, Z2
	VMOVUPD     Z2, (DI)
	VMULPD      Z1, Z0, Z0
	VMOVUPD     Z0, (R8)
	ADDQ        $64, DI
	ADDQ        $64, R8
	ADDQ        $64, R9
	ADDQ        $64, R10
	ADDQ        $64, R11
	ADDQ        $64, R12
	ADDQ        $64, R13
	DECQ        CX
	JNZ         rdloop

rddone:
	VZEROUPPER
	RET
