package streamwire

import (
	"encoding/base64"
	"testing"

	"github.com/gosio/gosio/internal/msgpack"
)

// FuzzDecodeEntry feeds arbitrary stream entries to the decoder: it must
// return a message or an error, never panic, and what it accepts must
// encode again.
func FuzzDecodeEntry(f *testing.F) {
	f.Add("u", "/", "3", `{"packet":{"type":2,"data":["ev",1]},"opts":{"rooms":[],"except":[],"flags":{}}}`)
	f.Add("u", "/", "3", "gqZwYWNrZXSCpHR5cGUCpGRhdGGTo2JpbsQDAQIDgaF4xAH/pG9wdHODpXJvb21zkKZleGNlcHSRoXilZmxhZ3OA")
	f.Add("emitter", "/x", "6", `{"opts":{"rooms":["a"],"except":[]},"close":true}`)
	f.Add("u", "/", "4", `{"rooms":[{"type":"Buffer","data":[1,2]}]}`)
	f.Add("u", "", "3", "")
	f.Add("u", "/", "-1", base64.StdEncoding.EncodeToString([]byte{0xdf, 0xff, 0xff, 0xff, 0xff}))
	f.Fuzz(func(t *testing.T, uid, nsp, typ, data string) {
		fields := map[string]any{"uid": uid, "nsp": nsp, "type": typ}
		if data != "" {
			fields["data"] = data
		}
		m, err := DecodeEntry(fields)
		if err != nil {
			return
		}
		if m.Nsp != nsp || m.UID != uid {
			t.Fatalf("decoded %+v from %v", m, fields)
		}
		if m.Data != nil {
			if _, err := msgpack.Marshal(m.Data); err != nil {
				t.Fatalf("accepted data does not encode again: %v", err)
			}
		}
	})
}

// FuzzDecodePubSub does the same for Pub/Sub payloads.
func FuzzDecodePubSub(f *testing.F) {
	b, _ := EncodePubSub("u", "/", ServerSideEmit, msgpack.Object("requestId", "r", "packet", []any{"e", []byte{1}}))
	f.Add(b)
	f.Add([]byte{0x84})
	f.Add([]byte{0x81, 0xa4, 't', 'y', 'p', 'e', 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, payload []byte) {
		m, err := DecodePubSub(payload)
		if err != nil {
			return
		}
		if _, err := EncodePubSub(m.UID, m.Nsp, m.Type, nil); err != nil {
			t.Fatal(err)
		}
	})
}
