package parser

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// encode encodes p with the default codec and fails the test on error.
func encode(t testing.TB, p *Packet) []Frame {
	t.Helper()
	frames, err := JSON.Encode(nil, p)
	require.NoError(t, err)
	return frames
}

// decodeFrames feeds frames to a fresh decoder and expects exactly the last
// one to complete a packet.
func decodeFrames(t testing.TB, frames []Frame) *Packet {
	t.Helper()
	return decodeWith(t, JSON.NewDecoder(), frames)
}

func decodeWith(t testing.TB, d Decoder, frames []Frame) *Packet {
	t.Helper()
	for i, f := range frames {
		p, err := d.Add(f.Binary, f.Data)
		require.NoError(t, err, "frame %d", i)
		if i < len(frames)-1 {
			require.Nil(t, p, "packet completed early at frame %d", i)
		} else {
			require.NotNil(t, p, "packet not complete after last frame")
			return p
		}
	}
	t.Fatal("no frames")
	return nil
}

// decodeText decodes a single text packet.
func decodeText(t testing.TB, s string) *Packet {
	t.Helper()
	return decodeFrames(t, []Frame{{Data: []byte(s)}})
}

// rawJSON returns the payload text of a decoded packet ("" when none).
func rawJSON(p *Packet) string {
	if p.Data == nil {
		return ""
	}
	return string(p.Data.(RawValue).Raw())
}
