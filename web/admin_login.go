package web

import (
	"log/slog"
	"sort"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Sign-in limits: an admin token is the only thing between the internet and
// the corpus, so guessing it must be slow. Each client (address, as
// clientAddr reads it) has loginFreeTries wrong tokens; after that it must
// wait before the next try, 1 s doubling with every further wrong one, up to
// loginMaxWait. Across all clients, wrong tokens are limited to
// loginGlobalBurst at once and one per loginGlobalEvery after that, so
// many addresses cannot guess faster together; when that budget is spent
// every sign-in waits (bearer requests are not affected). A right token
// clears the client's count.
const (
	loginFreeTries   = 5
	loginMaxWait     = 15 * time.Minute
	loginGlobalBurst = 30
	loginGlobalEvery = 2 * time.Second
	// loginWindow is how often the failures are summed up in the log:
	// the first wrong token of a client in a window is logged, the rest
	// are counted and summarised at the end of the window.
	loginWindow     = time.Minute
	loginMaxClients = 10000
)

// loginGuard keeps the sign-in counts and the log summary.
type loginGuard struct {
	now func() time.Time
	log *slog.Logger

	mu      sync.Mutex
	clients map[string]*loginClient
	global  *rate.Limiter
	// The current log window.
	winStart time.Time
	wrong    int            // wrong tokens in the window
	refused  int            // tries refused while waiting
	byClient map[string]int // wrong tokens and refused tries by client
	timer    *time.Timer    // summarises a window nobody else closes
}

type loginClient struct {
	failures int
	until    time.Time // no try before then
	last     time.Time
}

func newLoginGuard(now func() time.Time, log *slog.Logger) *loginGuard {
	return &loginGuard{now: now, log: log, clients: map[string]*loginClient{},
		global: rate.NewLimiter(rate.Every(loginGlobalEvery), loginGlobalBurst), byClient: map[string]int{}}
}

// allow reports whether client may try a token now, and if not, how long
// until it may.
func (g *loginGuard) allow(client string) (bool, time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	g.roll(now)
	wait := time.Duration(0)
	if c := g.clients[client]; c != nil && now.Before(c.until) {
		wait = c.until.Sub(now)
	}
	if g.global.TokensAt(now) < 1 {
		r := g.global.ReserveN(now, 1)
		wait = max(wait, r.DelayFrom(now))
		r.CancelAt(now)
	}
	if wait > 0 {
		g.refused++
		g.byClient[client]++
		return false, wait
	}
	return true, 0
}

// failed counts a wrong token of client and sets its wait.
func (g *loginGuard) failed(client string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	g.roll(now)
	g.global.AllowN(now, 1)
	c := g.clients[client]
	if c == nil {
		if len(g.clients) >= loginMaxClients {
			g.sweep(now)
		}
		c = &loginClient{}
		g.clients[client] = c
	}
	c.failures++
	c.last = now
	if n := c.failures - loginFreeTries + 1; n > 0 {
		wait := loginMaxWait
		if n <= 20 {
			wait = min(time.Duration(1<<(n-1))*time.Second, loginMaxWait)
		}
		c.until = now.Add(wait)
	}
	if g.byClient[client] == 0 {
		g.log.Warn("admin: failed sign-in (further failures in the next minute are summed up)", "remote", client, "failures", c.failures)
	}
	g.wrong++
	g.byClient[client]++
	if g.timer == nil {
		g.timer = time.AfterFunc(loginWindow, func() {
			g.mu.Lock()
			defer g.mu.Unlock()
			g.timer = nil
			g.summarise(g.now())
		})
	}
}

// succeeded clears client's count.
func (g *loginGuard) succeeded(client string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.clients, client)
}

// roll closes the log window when it is over. g.mu is held.
func (g *loginGuard) roll(now time.Time) {
	if g.winStart.IsZero() {
		g.winStart = now
	}
	if now.Sub(g.winStart) >= loginWindow {
		g.summarise(now)
	}
}

// summarise logs the window's failures (beyond the first of each client,
// which were logged as they happened) and starts a new window. g.mu is
// held.
func (g *loginGuard) summarise(now time.Time) {
	logged := len(g.byClient)
	if g.wrong+g.refused > logged {
		type count struct {
			client string
			n      int
		}
		var top []count
		for c, n := range g.byClient {
			top = append(top, count{c, n})
		}
		sort.Slice(top, func(i, j int) bool {
			return top[i].n > top[j].n || top[i].n == top[j].n && top[i].client < top[j].client
		})
		attrs := []any{"wrong_tokens", g.wrong, "refused_waiting", g.refused, "clients", len(g.byClient),
			"since", g.winStart.Format(time.RFC3339), "top_client", top[0].client, "top_client_tries", top[0].n}
		g.log.Warn("admin: failed sign-ins", attrs...)
	}
	g.winStart, g.wrong, g.refused = now, 0, 0
	g.byClient = map[string]int{}
	if len(g.clients) > loginMaxClients/2 {
		g.sweep(now)
	}
}

// sweep forgets clients whose wait is over and who have not tried for an
// hour, and, if that is not enough, all of them. g.mu is held.
func (g *loginGuard) sweep(now time.Time) {
	for k, c := range g.clients {
		if now.After(c.until) && now.Sub(c.last) > time.Hour {
			delete(g.clients, k)
		}
	}
	if len(g.clients) >= loginMaxClients {
		g.clients = map[string]*loginClient{}
	}
}
