package postgresadapter

import (
	"testing"

	"github.com/gosio/gosio/internal/msgpack"
	"github.com/gosio/gosio/internal/pgnotify"
)

// FuzzDecodeNotification feeds arbitrary NOTIFY payloads and attachment
// bodies to the decoders: they may refuse them, never panic; and what
// they accept is something the adapter's message handling can read.
func FuzzDecodeNotification(f *testing.F) {
	f.Add(`{"type":3,"data":{"packet":{"type":2,"data":["e",1]},"opts":{"rooms":[],"except":[],"flags":{}}},"uid":"abc","nsp":"/"}`, []byte{})
	f.Add(`{"uid":"emitter","type":3,"attachmentId":"42"}`, []byte{0x81, 0xa4, 't', 'y', 'p', 'e', 0x03})
	f.Add(`{"uid":"x","type":9,"attachmentId":12}`, []byte{0xc4, 0x01, 0x00})
	f.Add(`{"attachmentId":"nope"}`, []byte("{}"))
	f.Add(`{"a":{"type":"Buffer","data":[1,2]}}`, []byte{0xde, 0xff, 0xff})
	enc, _ := pgnotify.Encode(3, msgpack.Object("type", 3, "data", msgpack.Object("packet", msgpack.Object("type", 2, "data", []any{"b", []byte{1}})), "uid", "u", "nsp", "/"), 8000)
	f.Add("", enc.Attachment)
	f.Fuzz(func(t *testing.T, payload string, body []byte) {
		m, id, has, err := decodeNotification(payload)
		if err == nil {
			if m == nil {
				t.Fatal("no error and no message")
			}
			if !has && id != 0 {
				t.Fatalf("attachment id %d without an attachment", id)
			}
		}
		if m, err := decodeAttachment(body); err == nil && m == nil {
			t.Fatal("no error and no attachment")
		}
	})
}
