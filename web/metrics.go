package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"policybot/bot"
	"policybot/bot/convlog"
)

// metrics are the server's Prometheus series. Each server has its own
// registry, so tests can run many servers in one process.
type metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	inFlight    prometheus.Gauge
	answers     *prometheus.CounterVec
	refusals    *prometheus.CounterVec
	fallbacks   *prometheus.CounterVec
	rateLimited *prometheus.CounterVec
	feedback    *prometheus.CounterVec
}

func newMetrics(model func() bot.ModelStatus) *metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	f := func(c prometheus.Collector) { reg.MustRegister(c) }
	m := &metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "policybot_http_requests_total", Help: "HTTP requests by route, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "policybot_http_request_duration_seconds", Help: "Time to serve a request (to the end of the stream for streams).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "policybot_http_requests_in_flight", Help: "Requests being served.",
		}),
		answers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "policybot_answers_total", Help: "Questions answered, by channel and by who wrote the answer (offline, generated) or refused.",
		}, []string{"channel", "kind"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "policybot_refusals_total", Help: "Questions the corpus does not cover, by channel.",
		}, []string{"channel"}),
		fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "policybot_generator_fallbacks_total", Help: "Answers a configured language model did not write: replaced (checked sentences were streamed, then one failed the guardrail and the offline answer followed) or offline (the offline answer instead: model error, timeout, open breaker or a failed guardrail).",
		}, []string{"reason"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "policybot_rate_limited_total", Help: "Requests refused by a rate limit: scope client (one address, POLICYBOT_RATE_LIMIT) or global (all clients together, POLICYBOT_RATE_LIMIT_GLOBAL).",
		}, []string{"scope"}),
		feedback: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "policybot_feedback_total", Help: "Ratings of answers.",
		}, []string{"rating"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.latency, m.inFlight, m.answers, m.refusals, m.fallbacks, m.rateLimited, m.feedback} {
		f(c)
	}
	if model != nil {
		registerModel(reg, model)
	}
	// Series that are read as rates exist from the start, at zero.
	for _, r := range []string{"replaced", "offline"} {
		m.fallbacks.WithLabelValues(r)
	}
	for _, ch := range []convlog.Channel{convlog.ChannelChat, convlog.ChannelStream, convlog.ChannelOpenAI} {
		m.refusals.WithLabelValues(string(ch))
	}
	for _, s := range []string{"client", "global"} {
		m.rateLimited.WithLabelValues(s)
	}
	return m
}

// registerModel exports the language-model path's state, read at each
// scrape: the circuit breaker, the model slots, and the calls it answered
// offline without calling or that found no slot.
func registerModel(reg *prometheus.Registry, model func() bot.ModelStatus) {
	breaker := map[string]float64{"closed": 0, "half-open": 1, "open": 2}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "policybot_llm_breaker_state", Help: "The language model's circuit breaker: 0 closed, 1 half-open (probing), 2 open (answering offline without calling).",
		}, func() float64 { return breaker[model().Breaker] }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "policybot_llm_breaker_opened_total", Help: "Times the language model's circuit breaker opened.",
		}, func() float64 { return float64(model().Opened) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "policybot_llm_short_circuited_total", Help: "Model calls the open circuit breaker answered offline without calling.",
		}, func() float64 { return float64(model().ShortCircuited) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "policybot_llm_busy_total", Help: "Model calls that found no free model slot before the question's deadline.",
		}, func() float64 { return float64(model().Busy) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "policybot_llm_consecutive_failures", Help: "Failed model calls since the last success.",
		}, func() float64 { return float64(model().ConsecutiveFailures) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "policybot_llm_calls_in_flight", Help: "Model calls being made (at most the model slots).",
		}, func() float64 { return float64(model().InFlight) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "policybot_llm_calls_waiting", Help: "Questions waiting for a free model slot.",
		}, func() float64 { return float64(model().Waiting) }),
	)
}

// observeAnswer counts an answer. generator says whether a language model
// is configured: an answer it did not write is then a fallback.
func (m *metrics) observeAnswer(channel convlog.Channel, a bot.Answer, generator bool) {
	kind := "offline"
	switch {
	case a.Refused:
		kind = "refused"
		m.refusals.WithLabelValues(string(channel)).Inc()
	case a.Generated:
		kind = "generated"
	}
	m.answers.WithLabelValues(string(channel), kind).Inc()
	switch {
	case a.Replaced:
		m.fallbacks.WithLabelValues("replaced").Inc()
	case generator && !a.Refused && !a.Generated:
		m.fallbacks.WithLabelValues("offline").Inc()
	}
}

// handler serves the series; with a token, only to requests that bear it
// (Authorization: Bearer <token>, as Prometheus' bearer_token sends it).
func (m *metrics) handler(token string, log *slog.Logger) http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
	if token == "" {
		return h
	}
	want := sha256.Sum256([]byte("Bearer " + token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := sha256.Sum256([]byte(r.Header.Get("Authorization")))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="policybot-metrics"`)
			writeError(w, r, log, &apiError{code: codeUnauthorized,
				en: "Metrics need the token of POLICYBOT_METRICS_TOKEN (Authorization: Bearer <token>).", zh: "读取监控指标需要令牌。"})
			return
		}
		h.ServeHTTP(w, r)
	})
}

// instrument counts and times every request by its route pattern (never
// the raw path, whose values are unbounded), and logs it at level info.
func instrument(m *metrics, log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			m.inFlight.Inc()
			rec := &statusRecorder{ResponseWriter: w}
			defer func() {
				m.inFlight.Dec()
				route := r.Pattern // set by the ServeMux on this very request
				if route == "" {
					route = "unmatched"
					if r.Method == http.MethodOptions {
						route = "preflight"
					}
				}
				elapsed := time.Since(start)
				m.requests.WithLabelValues(route, r.Method, strconv.Itoa(rec.status())).Inc()
				m.latency.WithLabelValues(route).Observe(elapsed.Seconds())
				if log.Enabled(r.Context(), slog.LevelInfo) {
					log.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
						slog.Int("status", rec.status()), slog.Duration("duration", elapsed), slog.String("remote", r.RemoteAddr))
				}
			}()
			next.ServeHTTP(rec, r)
		})
	}
}

// statusRecorder remembers the status written. Unwrap lets
// http.ResponseController reach Flush and the deadlines underneath.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Flush() {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	http.NewResponseController(s.ResponseWriter).Flush()
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) status() int {
	if s.code == 0 {
		return http.StatusOK
	}
	return s.code
}
