package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"policybot/bot"
	"policybot/web"
)

// Server timeouts. Reading a request is quick; writing an answer may wait
// for a language model (all its calls for the question: LLM_DEADLINE) and
// then fall back to the offline answer, so answers get LLM_DEADLINE plus
// answerMargin. Streams push their
// own write deadline forward at every event.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	idleTimeout       = 2 * time.Minute
	answerMargin      = 15 * time.Second
)

// dbFile is the database in POLICYBOT_DATA_DIR.
const dbFile = "policybot.db"

func runServe(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("serve", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: policybot serve   (listens on POLICYBOT_ADDR, default :8080; see .env.example)")
	}
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() > 0 {
		fl.Usage()
		return fmt.Errorf("serve: unexpected argument %q", fl.Arg(0))
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (POLICYBOT_ADDR): %w", cfg.Addr, err)
	}
	var metricsLn net.Listener
	if cfg.MetricsAddr != "" {
		if metricsLn, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			ln.Close()
			return fmt.Errorf("listen on %s (POLICYBOT_METRICS_ADDR): %w", cfg.MetricsAddr, err)
		}
	}
	answerTimeout := cfg.LLMDeadline + answerMargin

	// The port answers at once: /healthz says the process is up while the
	// index loads, /readyz says ready once the real server has replaced the
	// starting one.
	var handler atomic.Pointer[http.Handler]
	starting := web.Starting()
	handler.Store(&starting)
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*handler.Load()).ServeHTTP(w, r) }),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      answerTimeout + 10*time.Second,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stdout, "policybot: listening on %s\n", displayURL(ln.Addr()))
	fmt.Fprintln(stdout, "policybot: loading the corpus and building the index…")
	return serveHTTP(ctx, srv, ln, answerTimeout+5*time.Second, log, func(ctx context.Context) (http.Handler, func(), error) {
		st, err := openDatabase(ctx, cfg)
		if err != nil {
			return nil, nil, err
		}
		svc, live, err := openCorpus(ctx, cfg, cfg.Admin, st, log)
		if err != nil {
			st.Close()
			return nil, nil, err
		}
		b, err := newCorpusBot(cfg, live, st, log)
		if err != nil {
			svc.Close()
			st.Close()
			return nil, nil, err
		}
		slack, err := slackService(cfg, b, st, st.dedup, st, log)
		if err != nil {
			svc.Close()
			st.Close()
			return nil, nil, fmt.Errorf("slack: %w", err)
		}
		// The background work stops with bg, which cleanup cancels first —
		// also when the server stops on an error while ctx is still live —
		// and cleanup waits for it before closing what it uses.
		bg, stopBG := context.WithCancel(ctx)
		var wg sync.WaitGroup
		goBG := func(f func()) { wg.Add(1); go func() { defer wg.Done(); f() }() }
		// Retire dates, and other replicas' publishes (PostgreSQL).
		goBG(func() { svc.Run(bg) })
		goBG(func() { st.watchCorpus(bg, log, svc.Sync) })
		// The PDF engine, for the first upload. Its start cannot be cut
		// short and writes its cache in the data directory: shutdown waits
		// for it (a few seconds at most, once per process).
		goBG(func() { warmPDF(context.WithoutCancel(bg), cfg, log) })
		if slack != nil && cfg.SlackAppToken != "" {
			goBG(func() {
				if err := slack.RunSocketMode(bg); err != nil && bg.Err() == nil {
					log.Error("slack socket mode stopped", "err", err)
				}
			})
		}
		var slackHTTP http.Handler
		if slack != nil && cfg.SlackSigningSecret != "" {
			slackHTTP = slack.Handler()
		}
		h, metricsH := web.NewServerAndMetrics(web.Deps{
			Bot: b, Store: st, LiveDocuments: svc.LiveDocuments, Admin: adminHandler(cfg, cfg.Admin, svc, log),
			Slack: slackHTTP, Ready: st.Ping, Logger: log, Now: cfg.Now, Model: modelStatus(cfg, b),
			Options: web.Options{
				PublicURL: cfg.PublicURL, AllowedOrigins: cfg.AllowedOrigins, RateLimit: cfg.RateLimit,
				GlobalRateLimit: cfg.GlobalLimit, MetricsToken: cfg.MetricsToken, MetricsSeparate: metricsLn != nil,
				TrustedProxies: cfg.TrustedProxies, AnswerTimeout: answerTimeout, Generator: cfg.LLMProvider != "none",
			},
		})
		var metricsSrv *http.Server
		if metricsLn != nil {
			mux := http.NewServeMux()
			mux.Handle("GET /metrics", metricsH)
			metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: readHeaderTimeout, IdleTimeout: idleTimeout,
				ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
			goBG(func() {
				if err := metricsSrv.Serve(metricsLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
					log.Error("metrics server stopped", "err", err)
				}
			})
		}
		cleanup := func() {
			if metricsSrv != nil {
				metricsSrv.Close()
			}
			if slack != nil {
				// Answers Slack is waiting for are posted before the store closes.
				sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), answerTimeout)
				if err := slack.Shutdown(sctx); err != nil {
					log.Warn("slack shutdown", "err", err)
				}
				cancel()
			}
			stopBG()
			wg.Wait()
			svc.Close()
			if err := st.Close(); err != nil {
				log.Warn("close database", "err", err)
			}
		}
		n := len(svc.LiveDocuments())
		log.Info("ready", "addr", ln.Addr().String(), "documents", n, "database", st.where, "rate_limit", cfg.RateLimit.String(),
			"slack_socket_mode", slack != nil && cfg.SlackAppToken != "", "slack_events_api", slackHTTP != nil, "admin", len(cfg.Admin.Tokens) > 0)
		fmt.Fprintf(stdout, "policybot: ready (%d documents)\n", n)
		printServeSummary(stdout, cfg, displayURL(ln.Addr()), st.where, metricsLn)
		return h, cleanup, nil
	}, &handler)
}

// serveHTTP serves ln with srv until ctx is done, then shuts down
// gracefully: it stops accepting, lets the answers in flight finish (for at
// most grace) and only then runs cleanup. load builds the real handler while
// srv already serves the one in current; a load error stops the server.
func serveHTTP(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration, log *slog.Logger,
	load func(context.Context) (http.Handler, func(), error), current *atomic.Pointer[http.Handler],
) error {
	// Requests must not inherit ctx: its cancellation starts the shutdown,
	// which is to finish the answers in flight, not cut them off.
	srv.BaseContext = func(net.Listener) context.Context { return context.WithoutCancel(ctx) }
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	shutdown := func() error {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			log.Warn("shutdown: answers still in flight were cut off", "err", err)
			srv.Close()
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}

	h, cleanup, err := load(ctx)
	if err != nil {
		shutdown()
		if ctx.Err() != nil {
			return nil // stopped while starting
		}
		return err
	}
	defer cleanup()
	current.Store(&h)

	select {
	case <-ctx.Done():
		log.Info("shutting down: finishing the answers in flight")
		return shutdown()
	case err := <-served:
		return err
	}
}

// printServeSummary says what the server runs with: the admin page, who
// writes the answers, where data is kept, Slack, limits and metrics.
func printServeSummary(w io.Writer, cfg Config, base, database string, metricsLn net.Listener) {
	line := func(k, v string) { fmt.Fprintf(w, "  %-9s %s\n", k+":", v) }
	if n := len(cfg.Admin.Tokens); n > 0 {
		line("admin", fmt.Sprintf("on at %s/admin (%d admin token(s))", base, n))
	} else {
		line("admin", "off (set POLICYBOT_ADMIN_TOKENS or POLICYBOT_ADMIN_TOKEN to manage the corpus at /admin)")
	}
	if cfg.LLMProvider == "none" {
		line("answers", "offline: quoted from the policy texts, no language model (LLM_PROVIDER=none)")
	} else {
		where := cfg.LLMBaseURL
		if where == "" {
			where = "the provider's default address"
		}
		line("answers", fmt.Sprintf("written by %s model %s at %s, checked against the texts (offline answer after %s or on any failure)",
			cfg.LLMProvider, cfg.LLMModel, where, cfg.LLMTimeout))
	}
	line("data", fmt.Sprintf("%s; index in %s", database, cfg.DataDir))
	switch {
	case cfg.SlackBotToken == "":
		line("slack", "off (set SLACK_BOT_TOKEN with SLACK_APP_TOKEN or SLACK_SIGNING_SECRET)")
	case cfg.SlackAppToken != "" && cfg.SlackSigningSecret != "":
		line("slack", fmt.Sprintf("Socket Mode, and the Events API at %s/slack/events", base))
	case cfg.SlackAppToken != "":
		line("slack", "Socket Mode")
	case cfg.SlackSigningSecret == "":
		line("slack", "not connected: SLACK_BOT_TOKEN is set without SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (Events API)")
	default:
		line("slack", fmt.Sprintf("Events API at %s/slack/events, /slack/interactions, /slack/commands", base))
	}
	limits := "questions per address " + cfg.RateLimit.String()
	if !cfg.GlobalLimit.Off() {
		limits += ", all together " + cfg.GlobalLimit.String()
	}
	line("limits", limits)
	metrics := base + "/metrics"
	if metricsLn != nil {
		metrics = displayURL(metricsLn.Addr()) + "/metrics only"
	}
	if cfg.MetricsToken != "" {
		metrics += " (token required)"
	}
	line("metrics", metrics)
}

// displayURL is where a browser on this machine reaches the listener:
// "http://localhost:8080" for ":8080".
func displayURL(a net.Addr) string {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return "http://" + a.String()
	}
	if ap.Addr().IsUnspecified() {
		return fmt.Sprintf("http://localhost:%d", ap.Port())
	}
	return "http://" + ap.String()
}

// modelStatus is the bot's model state for /readyz and the metrics, or nil
// when answers are offline only.
func modelStatus(cfg Config, b *bot.Bot) func() bot.ModelStatus {
	if cfg.LLMProvider == "none" {
		return nil
	}
	return b.ModelStatus
}
