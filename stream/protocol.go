// Package stream drives races over websockets and speaks the protocol
// documented in docs/protocol.md: a session decodes the client's JSON
// messages into race.Messages, hands them to its race.Race, and encodes what
// comes back (states, surfaces, errors, the background jobs' messages) and
// the frames of every new iterate, at most 60 a second. The race itself is
// package race; this package adds the goroutines, the encoding and the
// limits of a server.
package stream

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/saddle-viz/saddle/race"
)

// decode reads one client message strictly: unknown fields are errors.
func decode(data []byte) (race.Message, *race.ProblemError) {
	var m race.Message
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return m, problem("", "malformed message: %v; send one JSON object such as {\"type\":\"play\"}", err)
	}
	if dec.More() {
		return m, problem("", "malformed message: more than one JSON value")
	}
	// encoding/json reads null as 0 in a list of numbers: a start or a view
	// with a null coordinate is refused instead.
	var nulls struct{ Start, View []*float64 }
	json.Unmarshal(data, &nulls)
	for field, xs := range map[string][]*float64{"start": nulls.Start, "view": nulls.View} {
		for i, x := range xs {
			if x == nil {
				return m, problem(field, "coordinate %d of %s is null; give a number for each", i, field)
			}
		}
	}
	for _, t := range race.MessageTypes {
		if m.Type == t {
			return m, nil
		}
	}
	return m, problem("type", "unknown message type %q; accepted: %s", m.Type, strings.Join(race.MessageTypes, ", "))
}

func problem(field, format string, a ...any) *race.ProblemError {
	return race.Problem(field, format, a...)
}

// encode writes one message to the client as JSON: a frame by encodeFrame,
// anything else by encoding/json.
func encode(v any) ([]byte, error) {
	if f, ok := v.(race.Frame); ok {
		return encodeFrame(f)
	}
	return json.Marshal(v)
}

// encodeFrame writes the frame as JSON. It is json.Marshal's output, written
// without encoding/json's second pass over the point rows (which validated and
// compacted them again and took three quarters of the time).
func encodeFrame(f race.Frame) ([]byte, error) {
	b := make([]byte, 0, 4096)
	b = append(b, `{"type":"frame","gen":`...)
	b = strconv.AppendInt(b, int64(f.Gen), 10)
	b = append(b, `,"clock":`...)
	c, _ := f.Clock.MarshalJSON()
	b = append(b, c...)
	b = append(b, `,"racers":[`...)
	for i, rf := range f.Racers {
		if i > 0 {
			b = append(b, ',')
		}
		rest, err := json.Marshal(rf) // everything but the points
		if err != nil {
			return nil, err
		}
		b = append(b, `{"points":`...)
		b = appendPoints(b, rf.Points)
		b = append(b, ',')
		b = append(b, rest[1:]...)
	}
	return append(b, "]}"...), nil
}

// appendPoints writes the rows as an array of arrays with full float64
// precision.
func appendPoints(b []byte, p race.Points) []byte {
	b = append(b, '[')
	for i := 0; i < len(p.Data); i += p.Stride {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for j, v := range p.Data[i : i+p.Stride] {
			if j > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		}
		b = append(b, ']')
	}
	return append(b, ']')
}
