package main

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// wsConn is a minimal websocket client for the load generator (RFC 6455):
// text messages out (masked, as a client must), and messages in read
// straight from a buffered connection without a copy or an allocation per
// message, so that measuring two thousand sessions costs the generator
// little of the machine it shares with the server. The app's tests use
// coder/websocket; this is for load only.
type wsConn struct {
	conn net.Conn
	r    *bufio.Reader
	buf  []byte
}

func dialWS(rawURL string, timeout time.Duration) (*wsConn, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	conn, err := net.DialTimeout("tcp", u.Host, timeout)
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(timeout))
	key := make([]byte, 16)
	rand.Read(key)
	req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
		u.RequestURI(), u.Host, base64.StdEncoding.EncodeToString(key))
	if _, err := io.WriteString(conn, req); err != nil {
		conn.Close()
		return nil, err
	}
	r := bufio.NewReaderSize(conn, 64<<10)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		conn.Close()
		return nil, fmt.Errorf("handshake: %s", resp.Status)
	}
	conn.SetDeadline(time.Time{})
	return &wsConn{conn: conn, r: r}, nil
}

// writeText sends one masked text message.
func (c *wsConn) writeText(s string) error {
	n := len(s)
	hdr := []byte{0x81}
	switch {
	case n < 126:
		hdr = append(hdr, 0x80|byte(n))
	case n < 1<<16:
		hdr = append(hdr, 0x80|126, byte(n>>8), byte(n))
	default:
		hdr = append(hdr, 0x80|127)
		hdr = binary.BigEndian.AppendUint64(hdr, uint64(n))
	}
	mask := []byte{0x12, 0x34, 0x56, 0x78}
	msg := append(append(hdr, mask...), s...)
	for i := range n {
		msg[len(msg)-n+i] ^= mask[i%4]
	}
	_, err := c.conn.Write(msg)
	return err
}

// read returns the next message's opcode (1 text, 2 binary) and its first
// bytes (up to 16), skipping the rest, by the deadline. Control messages
// are skipped (a close ends the connection with an error).
func (c *wsConn) read(deadline time.Time) (op byte, head []byte, size int, err error) {
	c.conn.SetReadDeadline(deadline)
	for {
		var h [2]byte
		if _, err := io.ReadFull(c.r, h[:]); err != nil {
			return 0, nil, 0, err
		}
		op, n := h[0]&0x0f, int(h[1]&0x7f)
		switch n {
		case 126:
			var e [2]byte
			if _, err := io.ReadFull(c.r, e[:]); err != nil {
				return 0, nil, 0, err
			}
			n = int(binary.BigEndian.Uint16(e[:]))
		case 127:
			var e [8]byte
			if _, err := io.ReadFull(c.r, e[:]); err != nil {
				return 0, nil, 0, err
			}
			n = int(binary.BigEndian.Uint64(e[:]))
		}
		k := min(n, 16)
		if cap(c.buf) < 16 {
			c.buf = make([]byte, 16)
		}
		head = c.buf[:k]
		if _, err := io.ReadFull(c.r, head); err != nil {
			return 0, nil, 0, err
		}
		if _, err := c.r.Discard(n - k); err != nil {
			return 0, nil, 0, err
		}
		switch op {
		case 1, 2:
			return op, head, n, nil
		case 8:
			return 0, nil, 0, errors.New("closed by the server")
		}
	}
}

func (c *wsConn) close() {
	c.conn.Write([]byte{0x88, 0x80, 0, 0, 0, 0}) // close, masked, no payload
	c.conn.Close()
}

// isFrameHead says whether a message whose first bytes are head is a frame:
// JSON text starting with its type, or a binary frame (kind 1).
func isFrameHead(op byte, head []byte) bool {
	if op == 2 {
		return len(head) >= 2 && binary.LittleEndian.Uint16(head) == 1
	}
	return strings.HasPrefix(string(head), `{"type":"frame"`)
}
