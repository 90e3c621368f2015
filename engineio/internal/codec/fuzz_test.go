package codec

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func decodeAll(decode func([]byte, func(Packet) error) error, body []byte) ([]Packet, error) {
	var pkts []Packet
	err := decode(body, func(p Packet) error {
		// Copy: Data may alias body, and the fuzzer reuses its input.
		p.Data = bytes.Clone(p.Data)
		pkts = append(pkts, p)
		return nil
	})
	return pkts, err
}

func samePackets(a, b []Packet) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Type != b[i].Type || a[i].Binary != b[i].Binary || !bytes.Equal(a[i].Data, b[i].Data) {
			return false
		}
	}
	return true
}

func FuzzDecodePayloadV4(f *testing.F) {
	for _, s := range []string{
		"4hello", "4hello\x1e4€", "4€\x1ebAQIDBA==", "2\x1e4hi\x1ebAQID\x1e6", "b", "bAQIDBA",
		"", "9", "4a\x1e", "\x1e", "b!!", "0{\"sid\":\"x\"}", "4\xff\xfe",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		pkts, err := decodeAll(DecodePayloadV4, body)
		if err != nil {
			return
		}
		if len(pkts) == 0 {
			t.Fatalf("decoded %q to zero packets without error", body)
		}
		enc := AppendPayloadV4(nil, pkts)
		again, err := decodeAll(DecodePayloadV4, enc)
		if err != nil {
			t.Fatalf("re-decode of %q (from %q): %v", enc, body, err)
		}
		if !samePackets(pkts, again) {
			t.Fatalf("round trip mismatch for %q: %+v vs %+v", body, pkts, again)
		}
	})
}

func FuzzDecodePayloadV3(f *testing.F) {
	for _, s := range []string{
		"6:4hello2:4€", "3:4😀1:2", "2:4€10:b4AQIDBA==", "0:", "06:4hello", "5:412:3",
		"\x00\x06\xff4hello\x01\x04\xff\x04\x01\x02\x03", "\x00\x04\xff4€", "\x00\x06\xffb4AQID",
		"\x01\x01\xff\x02", "", "12", "7:4hello", "2:4😀", "3:4\xe2\x82\xff", "\x00\x0a\xff",
		"99999999999999999999:4", "\x01\x09\x09\x09\x09\x09\x09\x09\x09\x09\x09\x09\x09\x09\x09\x09\x09\x09\x09\x09\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		pkts, err := decodeAll(DecodePayloadV3, body)
		if err != nil {
			return
		}
		for _, sb := range []bool{false, true} {
			enc, _ := AppendPayloadV3(nil, pkts, sb)
			again, err := decodeAll(DecodePayloadV3, enc)
			if err != nil {
				t.Fatalf("re-decode (supportsBinary=%v) of %q (from %q): %v", sb, enc, body, err)
			}
			if !samePackets(pkts, again) {
				t.Fatalf("round trip mismatch (supportsBinary=%v) for %q: %+v vs %+v", sb, body, pkts, again)
			}
		}
	})
}

func FuzzDecodeJSONPBody(f *testing.F) {
	for _, s := range []string{
		"d=6%3A4hello", `d=5:4a\nb`, `d=6:4a\\nb`, "x=1&d=1:6&y=2", `d=\\\n`, "d=%E2%80%A8",
		"", "d=", "d=%zz", "d=1&d=2", "d=7:4hi+you", `d=2:4\`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		payload, err := DecodeJSONPBody(body)
		if err != nil {
			return
		}
		if len(payload) == 0 {
			t.Fatalf("empty payload without error for %q", body)
		}
		// The response encoder must always produce a valid JSON string
		// literal that JavaScript reads back as the same text.
		lit := jsonpLiteral(t, AppendJSONP(nil, "0", payload))
		var s string
		if err := json.Unmarshal(lit, &s); err != nil {
			t.Fatalf("literal %q is not valid JSON: %v", lit, err)
		}
		if utf8.Valid(payload) && s != string(payload) {
			t.Fatalf("literal %q decodes to %q, want %q", lit, s, payload)
		}
		// The client's escaping is lossy only for a backslash directly
		// followed by a newline (it becomes \\n on the wire either way).
		if bytes.Contains(payload, []byte("\\\n")) {
			return
		}
		again, err := DecodeJSONPBody(jsonpForm(payload))
		if err != nil {
			t.Fatalf("re-decode of %q: %v", payload, err)
		}
		if !bytes.Equal(again, payload) {
			t.Fatalf("client round trip: got %q, want %q", again, payload)
		}
	})
}
