package web

import (
	"encoding/json"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

func TestParseRateLimit(t *testing.T) {
	tests := []struct {
		in      string
		want    RateLimit
		wantErr bool
	}{
		{"30/min", RateLimit{30, time.Minute}, false},
		{"5/s", RateLimit{5, time.Second}, false},
		{" 1000 / hour ", RateLimit{1000, time.Hour}, false},
		{"10/10s", RateLimit{10, 10 * time.Second}, false},
		{"0", RateLimit{}, false},
		{"off", RateLimit{}, false},
		{"0/min", RateLimit{}, false},
		{"30", RateLimit{}, true},
		{"-1/min", RateLimit{}, true},
		{"30/fortnight", RateLimit{}, true},
		{"x/min", RateLimit{}, true},
	}
	for _, tc := range tests {
		got, err := ParseRateLimit(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseRateLimit(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
	if s := (RateLimit{30, time.Minute}).String(); s != "30/min" {
		t.Errorf("String() = %q, want 30/min", s)
	}
}

func TestClientAddr(t *testing.T) {
	trusted, err := ParseTrustedProxies("10.0.0.0/8, 127.0.0.1, ::1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, remote, xff, want string
	}{
		{"direct", "203.0.113.9:5555", "", "203.0.113.9"},
		{"untrusted peer's header ignored", "203.0.113.9:5555", "1.2.3.4", "203.0.113.9"},
		{"trusted proxy", "127.0.0.1:5555", "198.51.100.1", "198.51.100.1"},
		{"chain of proxies", "10.0.0.1:80", "198.51.100.1, 10.0.0.7", "198.51.100.1"},
		{"spoofed left part", "10.0.0.1:80", "6.6.6.6, 198.51.100.1", "198.51.100.1"},
		{"garbage stops the walk", "10.0.0.1:80", "198.51.100.1, junk, 10.0.0.2", "10.0.0.2"},
		{"all trusted", "10.0.0.1:80", "10.0.0.3", "10.0.0.3"},
		{"ipv6 loopback proxy", "[::1]:80", "2001:db8::1", "2001:db8::1"},
		{"mapped ipv4", "[::ffff:127.0.0.1]:80", "198.51.100.2", "198.51.100.2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			if got := clientAddr(r, trusted); got.String() != tc.want {
				t.Errorf("clientAddr(%s, XFF %q) = %v, want %s", tc.remote, tc.xff, got, tc.want)
			}
		})
	}
	if _, err := ParseTrustedProxies("10.0.0.0/33"); err == nil {
		t.Error("ParseTrustedProxies(10.0.0.0/33) = nil error")
	}
}

func TestClientKeyGroupsIPv6Networks(t *testing.T) {
	a := clientKey(netip.MustParseAddr("2001:db8:1:2::1"))
	b := clientKey(netip.MustParseAddr("2001:db8:1:2:ffff::9"))
	c := clientKey(netip.MustParseAddr("2001:db8:1:3::1"))
	if a != b || a == c {
		t.Errorf("keys %q %q %q: want one bucket per /64", a, b, c)
	}
}

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	l := newLimiter(RateLimit{N: 3, Per: time.Minute}, func() time.Time { return now })
	for i := range 3 {
		if ok, _ := l.allow("a"); !ok {
			t.Fatalf("request %d refused within the burst", i+1)
		}
	}
	ok, wait := l.allow("a")
	if ok || wait != 20*time.Second {
		t.Errorf("4th request = %v, wait %v; want refused, wait 20s", ok, wait)
	}
	if ok, _ := l.allow("b"); !ok {
		t.Error("another client is refused")
	}
	now = now.Add(20 * time.Second)
	if ok, _ := l.allow("a"); !ok {
		t.Error("refused after waiting Retry-After")
	}
	// Idle clients are forgotten once their bucket would be full again.
	now = now.Add(2 * time.Minute)
	l.allow("c")
	if _, kept := l.clients["a"]; kept || len(l.clients) != 1 {
		t.Errorf("after two idle minutes %d buckets are kept", len(l.clients))
	}
	off := newLimiter(RateLimit{}, func() time.Time { return now })
	for range 100 {
		if ok, _ := off.allow("a"); !ok {
			t.Fatal("the zero RateLimit refused a request")
		}
	}
}

func TestNormalizeOrigin(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://WWW.SZWZ.gov.cn/", "https://www.szwz.gov.cn"},
		{"https://www.szwz.gov.cn:443", "https://www.szwz.gov.cn"},
		{"http://localhost:8080", "http://localhost:8080"},
		{"*", "*"},
		{"www.szwz.gov.cn", ""},
		{"https://www.szwz.gov.cn/path", ""},
		{"ftp://x", ""},
	}
	for _, tc := range tests {
		got, err := NormalizeOrigin(tc.in)
		if got != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("NormalizeOrigin(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestOpenAIContent(t *testing.T) {
	tests := []struct{ in, want string }{
		{`"小巨人"`, "小巨人"},
		{`null`, ""},
		{`[{"type":"text","text":"小巨人"},{"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"奖励"}]`, "小巨人\n奖励"},
	}
	for _, tc := range tests {
		var c oaiContent
		if err := json.Unmarshal([]byte(tc.in), &c); err != nil || string(c) != tc.want {
			t.Errorf("content %s = %q, %v; want %q", tc.in, c, err, tc.want)
		}
	}
	var c oaiContent
	if err := json.Unmarshal([]byte(`42`), &c); err == nil {
		t.Error("content 42 accepted")
	}
}

func TestCORSPolicyOwnOrigin(t *testing.T) {
	p := newCORSPolicy([]string{"https://www.szwz.gov.cn"}, "https://gov.example.cn/policybot")
	r := httptest.NewRequest("POST", "http://10.0.0.5:8080/api/chat", nil)
	for origin, want := range map[string]bool{
		"https://www.szwz.gov.cn": true,
		"https://gov.example.cn":  true, // POLICYBOT_PUBLIC_URL, path and all
		"http://10.0.0.5:8080":    true, // the request's own host
		"https://evil.example":    false,
		"null":                    false,
	} {
		if got := p.allows(origin, r); got != want {
			t.Errorf("allows(%q) = %v, want %v", origin, got, want)
		}
	}
}
