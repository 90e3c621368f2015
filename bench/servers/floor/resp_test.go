package main

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
)

func read(s string) ([][]byte, error) {
	return readArray(bufio.NewReader(strings.NewReader(s)))
}

func TestReadArrayReplies(t *testing.T) {
	got, err := read("*3\r\n$9\r\nsubscribe\r\n$5\r\nc#flo\r\n:1\r\n")
	if err != nil || len(got) != 3 || string(got[0]) != "subscribe" || string(got[1]) != "c#flo" || string(got[2]) != "1" {
		t.Fatalf("subscribe confirmation: %q, %v", got, err)
	}
	got, err = read("*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$4\r\na\r\nb\r\n")
	if err != nil || string(got[2]) != "a\r\nb" {
		t.Fatalf("message with CRLF inside: %q, %v", got, err)
	}
	for _, bad := range []string{
		"-ERR wrong\r\n",
		":1\r\n",
		"*2\r\n$1\r\na\r\n",       // short
		"*1\r\n$3\r\nab\r\n",      // bulk shorter than said
		"*1\r\n$-1\r\n",           // null
		"*1\r\n*1\r\n$1\r\na\r\n", // nested
		"*17\r\n",                 // too long an array
		"*1\r\n$99999999999\r\n",  // too long a bulk
		"*1\n$1\na\n",             // no CR
		"*1\r\n$1\r\nab\r\n",      // bulk not ended by CRLF
	} {
		if got, err := read(bad); err == nil {
			t.Errorf("%q: no error, got %q", bad, got)
		}
	}
}

func TestAppendBulkJoinsParts(t *testing.T) {
	cmd := appendArray(nil, 3)
	cmd = appendBulk(cmd, []byte("PUBLISH"))
	cmd = appendBulk(cmd, []byte("ch"))
	cmd = appendBulk(cmd, []byte("id"), []byte(`42["bcast",1]`))
	want := "*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$15\r\nid42[\"bcast\",1]\r\n"
	if string(cmd) != want {
		t.Fatalf("got %q, want %q", cmd, want)
	}
}

// FuzzReadArray: any input gives an array or an error, never a panic, and
// an array that read back is what the encoder writes for it.
func FuzzReadArray(f *testing.F) {
	f.Add([]byte("*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$2\r\nhi\r\n"))
	f.Add([]byte("*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n"))
	f.Add([]byte("*1\r\n$5\r\nab\r\n"))
	f.Add([]byte("-ERR x\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := readArray(bufio.NewReader(bytes.NewReader(in)))
		if err != nil {
			return
		}
		enc := appendArray(nil, len(got))
		for _, e := range got {
			enc = appendBulk(enc, e)
		}
		again, err := readArray(bufio.NewReader(bytes.NewReader(enc)))
		if err != nil || len(again) != len(got) {
			t.Fatalf("re-encoded %q: %q, %v", enc, again, err)
		}
		for i := range got {
			if !bytes.Equal(got[i], again[i]) {
				t.Fatalf("element %d: %q then %q", i, got[i], again[i])
			}
		}
	})
}

// FuzzBulkRoundTrip: whatever bytes a packet holds, a message carrying it
// reads back whole.
func FuzzBulkRoundTrip(f *testing.F) {
	f.Add([]byte("0123456789abcdef"), []byte(`42["bcast",{"t":1}]`))
	f.Add([]byte{}, []byte("\r\n$3\r\n"))
	f.Fuzz(func(t *testing.T, id, packet []byte) {
		enc := appendArray(nil, 3)
		enc = appendBulk(enc, []byte("message"))
		enc = appendBulk(enc, []byte("c"))
		enc = appendBulk(enc, id, packet)
		got, err := readArray(bufio.NewReader(bytes.NewReader(enc)))
		if err != nil || len(got) != 3 || !bytes.Equal(got[2], append(append([]byte{}, id...), packet...)) {
			t.Fatalf("%q: %q, %v", enc, got, err)
		}
	})
}
