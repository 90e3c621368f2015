package runinfo

import "testing"

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		v    []float64
		want float64
	}{{[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}, {[]float64{7}, 7}} {
		if got := Median(c.v); got != c.want {
			t.Errorf("Median(%v) = %v, want %v", c.v, got, c.want)
		}
	}
}

func TestFmtNum(t *testing.T) {
	for _, c := range []struct {
		v    float64
		dec  int
		want string
	}{{1234567, 0, "1,234,567"}, {9999, 0, "9999"}, {12345.678, 2, "12345.68"}, {100000, 0, "100,000"}} {
		if got := FmtNum(c.v, c.dec); got != c.want {
			t.Errorf("FmtNum(%v, %d) = %q, want %q", c.v, c.dec, got, c.want)
		}
	}
}
