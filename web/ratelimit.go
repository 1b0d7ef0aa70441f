package web

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimit is how many requests one client may make in Per. The zero
// RateLimit (N == 0) turns limiting off.
type RateLimit struct {
	N   int
	Per time.Duration
}

// Off reports whether the limit is turned off.
func (l RateLimit) Off() bool { return l.N <= 0 }

// String is the limit as POLICYBOT_RATE_LIMIT writes it ("30/min", "0").
func (l RateLimit) String() string {
	if l.Off() {
		return "0"
	}
	switch l.Per {
	case time.Second:
		return strconv.Itoa(l.N) + "/s"
	case time.Minute:
		return strconv.Itoa(l.N) + "/min"
	case time.Hour:
		return strconv.Itoa(l.N) + "/h"
	}
	return strconv.Itoa(l.N) + "/" + l.Per.String()
}

// ParseRateLimit reads "30/min", "5/s", "1000/h" or "0" (off). The unit may
// also be sec, second, m, minute, hour or a duration such as 10s.
func ParseRateLimit(s string) (RateLimit, error) {
	s = strings.TrimSpace(s)
	if s == "0" || strings.EqualFold(s, "off") {
		return RateLimit{}, nil
	}
	num, unit, ok := strings.Cut(s, "/")
	n, err := strconv.Atoi(strings.TrimSpace(num))
	if !ok || err != nil || n < 0 {
		return RateLimit{}, fmt.Errorf("want N/unit such as 30/min, or 0 to turn limiting off")
	}
	var per time.Duration
	switch u := strings.ToLower(strings.TrimSpace(unit)); u {
	case "s", "sec", "second":
		per = time.Second
	case "m", "min", "minute":
		per = time.Minute
	case "h", "hour":
		per = time.Hour
	default:
		if per, err = time.ParseDuration(u); err != nil || per <= 0 {
			return RateLimit{}, fmt.Errorf("unknown unit %q: want s, min or h", unit)
		}
	}
	if n == 0 {
		return RateLimit{}, nil
	}
	return RateLimit{N: n, Per: per}, nil
}

// ParseTrustedProxies reads a comma-separated list of addresses and CIDR
// prefixes ("10.0.0.0/8, 127.0.0.1").
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("%q: %w", f, err)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", f, err)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// clientAddr is who sent the request: the remote address, or, when that is
// a trusted proxy, the nearest address in X-Forwarded-For that is not one.
// Entries left of an untrusted one could be written by anybody and are
// never believed.
func clientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	addr := remoteAddr(r.RemoteAddr)
	if !isTrusted(addr, trusted) {
		return addr
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		if h == "" {
			continue
		}
		a, err := netip.ParseAddr(h)
		if err != nil {
			a = remoteAddr(h) // "1.2.3.4:5678", "[::1]:80"
		}
		if !a.IsValid() {
			break
		}
		a = a.Unmap()
		if !isTrusted(a, trusted) {
			return a
		}
		addr = a
	}
	return addr
}

func remoteAddr(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	host, _, err := net.SplitHostPort(s)
	if err != nil {
		host = s
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientKey is the bucket a client's requests count against: its IPv4
// address, or its IPv6 /64 (one subscriber's network).
func clientKey(a netip.Addr) string {
	if !a.IsValid() {
		return "unknown"
	}
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// limiter keeps a token bucket per client. Buckets idle long enough to be
// full again are dropped, so memory follows the number of recent clients.
type limiter struct {
	limit RateLimit
	now   func() time.Time

	mu        sync.Mutex
	clients   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiter(l RateLimit, now func() time.Time) *limiter {
	return &limiter{limit: l, now: now, clients: map[string]*bucket{}, lastSweep: now()}
}

// allow takes a token for key; when there is none it returns how long
// until there will be.
func (l *limiter) allow(key string) (bool, time.Duration) {
	if l.limit.Off() {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > l.limit.Per {
		for k, b := range l.clients {
			if now.Sub(b.seen) > l.limit.Per {
				delete(l.clients, k)
			}
		}
		l.lastSweep = now
	}
	b, ok := l.clients[key]
	if !ok {
		every := rate.Every(l.limit.Per / time.Duration(l.limit.N))
		b = &bucket{lim: rate.NewLimiter(every, l.limit.N)}
		l.clients[key] = b
	}
	b.seen = now
	res := b.lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// limitRate refuses a client's requests beyond the per-client limit, and
// everybody's beyond the global one, with 429 and Retry-After. The two are
// separate: a whole office behind one NAT address shares the per-client
// limit, which can be raised for it while the global limit still bounds
// the load.
func limitRate(client, global *limiter, trusted []netip.Prefix, m *metrics, log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if client.limit.Off() && global.limit.Off() {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if ok, wait := client.allow(clientKey(clientAddr(r, trusted))); !ok {
				m.rateLimited.WithLabelValues("client").Inc()
				writeError(w, r, log, &apiError{code: codeRateLimited, retryAfter: wait,
					en: "Too many requests; please wait a moment.", zh: "请求过于频繁，请稍后再试。"})
				return
			}
			if ok, wait := global.allow("*"); !ok {
				m.rateLimited.WithLabelValues("global").Inc()
				writeError(w, r, log, &apiError{code: codeRateLimited, retryAfter: wait,
					en: "Many people are asking at the moment; please try again shortly.", zh: "当前咨询人数较多，请稍后再试。"})
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
