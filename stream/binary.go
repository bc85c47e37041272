package stream

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"sync"

	"github.com/saddle-viz/saddle/landscapes/nets"
	"github.com/saddle-viz/saddle/race"
)

// Binary frames: what a frame says in JSON, in a compact layout the page
// reads with a DataView (static/frames.js), for a client that asks for it
// (/ws?frames=binary). Printing every float64 in its shortest form was most
// of a JSON frame's cost; here a number is its eight bytes. The layout,
// little-endian, is documented in docs/protocol.md:
//
//	u16 kind (1: frame), u16 version (1), u32 gen, f64 clock, u32 racers,
//	then per racer: str id, str status, str reason, u32 stride, u32 rows,
//	zero bytes to a multiple of 8 from the message's start, f64 × rows ×
//	stride points, f64 lr, damping, gTg, gTHg, blur, frac, i32 inertia,
//	i32 diag_iter (−1: none), vec grad, vec eig, mat vecs, mat probes,
//	vec lookahead, u32 reached (0 or 1) [i32 iter, i32 evals, f64 clock],
//	str json of {"net", "best"} (empty when neither).
//
// str is u32 length then UTF-8; vec is u32 n then f64 × n; mat is u32 rows,
// u32 columns then f64 × rows × columns, row by row. A number JSON writes as
// null (NaN, ±Inf) is written as it is.

// frameKind and frameVersion head a binary frame.
const (
	frameKind    = 1
	frameVersion = 1
)

// frameBuffers are binary frames' buffers, back from the writer once sent:
// a session at 30 frames a second allocates none.
var frameBuffers = sync.Pool{New: func() any { return new([]byte) }}

// encodeFrameBinary writes the frame in the binary layout, into a buffer
// from frameBuffers (return it with releaseFrame once written).
func encodeFrameBinary(f race.Frame) ([]byte, error) {
	size := 24
	for _, rf := range f.Racers {
		size += 256 + 8*(len(rf.Points.Data)+len(rf.Probes)*4) + len(rf.ID) + len(rf.Reason) + len(rf.Status)
	}
	b := *frameBuffers.Get().(*[]byte)
	if cap(b) < size {
		b = make([]byte, 0, size)
	}
	b = b[:0]
	b = binary.LittleEndian.AppendUint16(b, frameKind)
	b = binary.LittleEndian.AppendUint16(b, frameVersion)
	b = binary.LittleEndian.AppendUint32(b, uint32(f.Gen))
	b = appendF64(b, float64(f.Clock))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(f.Racers)))
	for _, rf := range f.Racers {
		b = appendStr(b, rf.ID)
		b = appendStr(b, rf.Status)
		b = appendStr(b, rf.Reason)
		rows := 0
		if rf.Points.Stride > 0 {
			rows = len(rf.Points.Data) / rf.Points.Stride
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(rf.Points.Stride))
		b = binary.LittleEndian.AppendUint32(b, uint32(rows))
		for len(b)%8 != 0 { // the points start on a multiple of 8: a Float64Array over them
			b = append(b, 0)
		}
		for _, v := range rf.Points.Data {
			b = appendF64(b, v)
		}
		for _, v := range []race.Num{rf.LR, rf.Damping, rf.GTG, rf.GTHG, rf.Blur, rf.Frac} {
			b = appendF64(b, float64(v))
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(int32(rf.Inertia)))
		diag := int32(-1)
		if rf.DiagIter != nil {
			diag = int32(*rf.DiagIter)
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(diag))
		b = appendNums(b, rf.Grad)
		b = appendNums(b, rf.Eig)
		b = appendRows(b, rf.Vecs)
		b = appendRows(b, rf.Probes)
		b = appendVec(b, rf.LookAhead)
		if r := rf.Reached; r != nil {
			b = binary.LittleEndian.AppendUint32(b, 1)
			b = binary.LittleEndian.AppendUint32(b, uint32(int32(r.Iter)))
			b = binary.LittleEndian.AppendUint32(b, uint32(int32(r.Evals)))
			b = appendF64(b, r.Clock)
		} else {
			b = binary.LittleEndian.AppendUint32(b, 0)
		}
		var extra []byte
		if rf.Net != nil || rf.Best != nil || rf.Inside != nil {
			var err error
			if extra, err = json.Marshal(struct {
				Net    *nets.Report `json:"net,omitempty"`
				Best   *race.Best   `json:"best,omitempty"`
				Inside *race.Inside `json:"inside,omitempty"`
			}{rf.Net, rf.Best, rf.Inside}); err != nil {
				return nil, err
			}
		}
		b = appendStr(b, string(extra))
	}
	return b, nil
}

// releaseFrame gives a binary frame's buffer back once it has been written.
func releaseFrame(b []byte) {
	if cap(b) <= 1<<20 { // an outsized one (a seek's frames) goes to the collector
		frameBuffers.Put(&b)
	}
}

func appendF64(b []byte, v float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
}

func appendStr(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

func appendVec(b []byte, v []float64) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
	for _, x := range v {
		b = appendF64(b, x)
	}
	return b
}

func appendNums(b []byte, v []race.Num) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
	for _, x := range v {
		b = appendF64(b, float64(x))
	}
	return b
}

// appendRows writes a matrix (all rows of the first row's length, a short
// row padded with NaN).
func appendRows[T ~float64](b []byte, rows [][]T) []byte {
	cols := 0
	if len(rows) > 0 {
		cols = len(rows[0])
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(rows)))
	b = binary.LittleEndian.AppendUint32(b, uint32(cols))
	for _, r := range rows {
		for j := range cols {
			v := math.NaN()
			if j < len(r) {
				v = float64(r[j])
			}
			b = appendF64(b, v)
		}
	}
	return b
}
