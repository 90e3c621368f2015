package codec

import (
	"bytes"
	"encoding/json"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidJSONPIndex(t *testing.T) {
	for _, s := range []string{"0", "1", "42", "0123456789012345"} {
		assert.True(t, ValidJSONPIndex(s), s)
	}
	for _, s := range []string{"", "-1", "1a", "a", " 1", "1]", "1);alert(1)//", "٣", "01234567890123456"} {
		assert.False(t, ValidJSONPIndex(s), s)
	}
}

func TestAppendJSONP(t *testing.T) {
	tests := []struct {
		name    string
		index   string
		payload string
		want    string
	}{
		{"simple", "0", "6:4hello", `___eio[0]("6:4hello");`},
		{"quotes and backslash", "3", `7:4"a\b"`, `___eio[3]("7:4\"a\\b\"");`},
		{"newlines and controls", "1", "5:4a\nb\r\t\x00\x1f\b\f", `___eio[1]("5:4a\nb\r\t\u0000\u001f\b\f");`},
		{"line and paragraph separators", "2", "3:4\u2028\u2029", `___eio[2]("3:4\u2028\u2029");`},
		{"non-ascii kept raw", "0", "3:4€😀", `___eio[0]("3:4€😀");`},
		{"invalid utf8 becomes fffd", "0", "3:4\xe2\x82\xff", `___eio[0]("3:4\ufffd\ufffd");`},
		{"index filtered", "1);alert(1)//", "1:6", `___eio[11]("1:6");`},
		{"slash and lt untouched", "0", "4:4</", `___eio[0]("4:4</");`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, string(AppendJSONP(nil, tt.index, []byte(tt.payload))))
		})
	}
}

// jsonpLiteral extracts the string literal from an AppendJSONP result.
func jsonpLiteral(t testing.TB, out []byte) []byte {
	t.Helper()
	i := bytes.IndexByte(out, '(')
	require.True(t, i > 0 && bytes.HasSuffix(out, []byte(");")), "%q", out)
	return out[i+1 : len(out)-2]
}

func TestAppendJSONPIsJSONStringLiteral(t *testing.T) {
	payload := "6:4\"\\\n\u2028\x01€😀</script>"
	var got string
	require.NoError(t, json.Unmarshal(jsonpLiteral(t, AppendJSONP(nil, "0", []byte(payload))), &got))
	assert.Equal(t, payload, got)
}

// clientJSONPEscape mimics engine.io-client's JSONP doWrite: first every
// literal `\n` becomes `\` + newline, then every newline becomes `\n`.
func clientJSONPEscape(s []byte) []byte {
	var step1 []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && s[i+1] == 'n' {
			step1 = append(step1, '\\', '\n')
			i++
			continue
		}
		step1 = append(step1, s[i])
	}
	var out []byte
	for _, c := range step1 {
		if c == '\n' {
			out = append(out, '\\', 'n')
		} else {
			out = append(out, c)
		}
	}
	return out
}

func jsonpForm(payload []byte) []byte {
	return []byte("d=" + url.QueryEscape(string(clientJSONPEscape(payload))))
}

func TestDecodeJSONPBody(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{"plain", "d=6%3A4hello", "6:4hello"},
		{"plus is space", "d=7:4hi+you", "7:4hi you"},
		{"escaped newline", `d=5:4a\nb`, "5:4a\nb"},
		{"escaped newline urlencoded", "d=5%3A4a%5Cnb", "5:4a\nb"},
		{"escaped literal backslash-n", `d=6:4a\\nb`, `6:4a\nb`},
		{"other fields ignored", "x=1&d=1:6&y=2", "1:6"},
		{"lone backslash", `d=3:4\x`, `3:4\x`},
		{"trailing backslash", `d=2:4\`, `2:4\`},
		{"three backslashes", `d=\\\n`, `\\n`},
		{"utf8", "d=2%3A4%E2%82%AC", "2:4€"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeJSONPBody([]byte(tt.body))
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
		})
	}
}

func TestDecodeJSONPBodyErrors(t *testing.T) {
	for _, body := range []string{"", "x=1", "d=", "d", "d=1:6&d=1:6", "d=%zz", "%zz=1", "d=%"} {
		_, err := DecodeJSONPBody([]byte(body))
		assert.ErrorIs(t, err, ErrInvalidPayload, "%q", body)
	}
}

func TestJSONPClientRoundTrip(t *testing.T) {
	for _, p := range []string{
		"6:4hello",
		"5:4a\nb",
		`6:4a\nb`,
		"8:4\\\\n\n\n\\",
		"9:4\u2028&=+%",
	} {
		got, err := DecodeJSONPBody(jsonpForm([]byte(p)))
		require.NoError(t, err)
		assert.Equal(t, p, string(got))
	}
}
