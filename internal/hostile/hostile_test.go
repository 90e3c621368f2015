package hostile

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestHostile is the small-scale run of every scenario (the full scale is
// `go run ./interop/cmd/hostile -scale full`): each attacks a fresh target
// process and fails if the target held more than its bound, did not get
// back to its baseline once the attackers left, or kept a fresh client
// waiting over a second.
func TestHostile(t *testing.T) {
	bin := buildTarget(t)
	for _, sc := range Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			r := Run(sc, bin, Small)
			t.Log("\n" + TableHeader + "\n" + r.Row())
			for _, f := range r.Failures {
				t.Error(f)
			}
		})
	}
}

// buildTarget builds interop/cmd/hostiletarget, without the race detector:
// the memory measured must be the server's, not the detector's.
func buildTarget(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "hostiletarget")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/gosio/gosio/interop/cmd/hostiletarget")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("building the target: %v", err)
	}
	return bin
}

// TestSidBits checks the decoding the sid-entropy scenario relies on.
func TestSidBits(t *testing.T) {
	if got := sidBits("AAAAAAAAAAAAAAAAAAAAAA"); got != 128 {
		t.Fatalf("22 base64url characters: %d bits, want 128", got)
	}
	if got := sidBits("not base64!"); got != 0 {
		t.Fatalf("bad sid: %d bits, want 0", got)
	}
}
