package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// The few pieces of RESP2 (the Redis protocol) the cluster link needs:
// commands as arrays of bulk strings, and replies that are arrays of bulk
// strings and integers (the subscription's confirmation and messages).

// Limits on what readArray accepts: a Pub/Sub message is an array of 3, and
// the benchmark's packets are ~100 bytes.
const (
	maxArray = 16
	maxBulk  = 16 << 20
)

// appendArray appends the header of an array of n elements.
func appendArray(dst []byte, n int) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, '\r', '\n')
}

// appendBulk appends one bulk string holding the concatenation of parts.
func appendBulk(dst []byte, parts ...[]byte) []byte {
	size := 0
	for _, p := range parts {
		size += len(p)
	}
	dst = append(dst, '$')
	dst = strconv.AppendInt(dst, int64(size), 10)
	dst = append(dst, '\r', '\n')
	for _, p := range parts {
		dst = append(dst, p...)
	}
	return append(dst, '\r', '\n')
}

// readLine returns one CRLF-terminated line without its CRLF; the slice is
// valid until the next read from br.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, errors.New("resp: line too long")
		}
		return nil, err
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, fmt.Errorf("resp: line not ended by CRLF: %q", line)
	}
	return line[:len(line)-2], nil
}

// readArray reads one array whose elements are bulk strings, integers (their
// digits) or simple strings. An error reply, a nested array, a null or a
// size beyond the limits is an error; the stream is then out of step and
// the caller drops the connection.
func readArray(br *bufio.Reader) ([][]byte, error) {
	line, err := readLine(br)
	if err != nil {
		return nil, err
	}
	if len(line) > 0 && line[0] == '-' {
		return nil, fmt.Errorf("resp: error reply %q", line[1:])
	}
	if len(line) == 0 || line[0] != '*' {
		return nil, fmt.Errorf("resp: want an array, got %q", line)
	}
	n, err := strconv.Atoi(string(line[1:]))
	if err != nil || n < 0 || n > maxArray {
		return nil, fmt.Errorf("resp: bad array length %q", line[1:])
	}
	out := make([][]byte, n)
	for i := range out {
		line, err := readLine(br)
		if err != nil {
			return nil, err
		}
		if len(line) == 0 {
			return nil, errors.New("resp: empty element")
		}
		switch line[0] {
		case ':', '+':
			out[i] = bytes.Clone(line[1:])
		case '$':
			size, err := strconv.Atoi(string(line[1:]))
			if err != nil || size < 0 || size > maxBulk {
				return nil, fmt.Errorf("resp: bad bulk length %q", line[1:])
			}
			b := make([]byte, size+2)
			if _, err := io.ReadFull(br, b); err != nil {
				return nil, err
			}
			if b[size] != '\r' || b[size+1] != '\n' {
				return nil, errors.New("resp: bulk string not ended by CRLF")
			}
			out[i] = b[:size]
		default:
			return nil, fmt.Errorf("resp: unexpected element %q", line)
		}
	}
	return out, nil
}
