package main

import (
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"policybot/bot"
	"policybot/policies"
	"policybot/web"
)

// Config is every setting of the program, read once from the environment.
// Each variable is documented in .env.example.
type Config struct {
	CorpusDir    string // POLICYBOT_CORPUS_DIR: policy files instead of the bundled corpus
	DataDir      string // POLICYBOT_DATA_DIR: index and database
	HygieneFile  string // POLICYBOT_HYGIENE_FILE: extra spam patterns
	SynonymsFile string // POLICYBOT_SYNONYMS_FILE: extra synonym table
	GlossaryFile string // POLICYBOT_GLOSSARY_FILE: extra English glossary
	RoutesFile   string // POLICYBOT_ROUTES_FILE: extra departments to route uncovered topics to
	Contact      string // POLICYBOT_CONTACT: who to ask when the corpus has no answer
	// HomeRegion (POLICYBOT_HOME_REGION) is the deployment's default scope:
	// the canonical name of a region of policies.DefaultRegions (吴中区);
	// "" (POLICYBOT_HOME_REGION=none) means no default region.
	HomeRegion string
	LogLevel   slog.Level // POLICYBOT_LOG_LEVEL: debug, info, warn or error

	EmbedProvider string // EMBED_PROVIDER: local, openai or ollama
	EmbedBaseURL  string // EMBED_BASE_URL
	EmbedModel    string // EMBED_MODEL
	EmbedAPIKey   string // EMBED_API_KEY (secret)

	LLMProvider string        // LLM_PROVIDER: none, openai or ollama
	LLMBaseURL  string        // LLM_BASE_URL
	LLMModel    string        // LLM_MODEL
	LLMAPIKey   string        // LLM_API_KEY (secret)
	LLMTimeout  time.Duration // LLM_TIMEOUT: one model call (attempt)
	// LLMDeadline bounds all model calls of one question (LLM_DEADLINE);
	// LLMConcurrency the model calls at once (LLM_CONCURRENCY); after
	// LLMBreakerFailures consecutive failures the model is not called for
	// LLMBreakerCooldown (LLM_BREAKER_FAILURES, LLM_BREAKER_COOLDOWN).
	LLMDeadline        time.Duration
	LLMConcurrency     int
	LLMBreakerFailures int
	LLMBreakerCooldown time.Duration

	// The web server (policybot serve).
	Addr           string         // POLICYBOT_ADDR: listen address
	PublicURL      string         // POLICYBOT_PUBLIC_URL: base of citation links and of the widget snippet
	AllowedOrigins []string       // POLICYBOT_ALLOWED_ORIGINS: sites whose pages may call the API
	RateLimit      web.RateLimit  // POLICYBOT_RATE_LIMIT: per client address, e.g. 30/min; 0 turns it off
	GlobalLimit    web.RateLimit  // POLICYBOT_RATE_LIMIT_GLOBAL: all clients together; 0 (the default) turns it off
	MetricsAddr    string         // POLICYBOT_METRICS_ADDR: serve /metrics there only; empty: on Addr
	MetricsToken   string         // POLICYBOT_METRICS_TOKEN (secret): required to read /metrics when set
	TrustedProxies []netip.Prefix // POLICYBOT_TRUSTED_PROXIES: proxies whose X-Forwarded-For is believed
	// DatabaseURL (DATABASE_URL, secret: it holds the password) puts every
	// store in PostgreSQL, shared by the replicas; empty means SQLite in
	// DataDir.
	DatabaseURL string

	// Admin: POLICYBOT_ADMIN_TOKENS, POLICYBOT_ADMIN_TOKEN, POLICYBOT_MAX_UPLOAD (config_admin.go).
	Admin AdminConfig

	// Slack (started by serve when configured).
	SlackBotToken      string // SLACK_BOT_TOKEN (secret): xoxb-…
	SlackAppToken      string // SLACK_APP_TOKEN (secret): xapp-…, turns on Socket Mode
	SlackSigningSecret string // SLACK_SIGNING_SECRET (secret): turns on the HTTP Events API
	SlackAPIURL        string // SLACK_API_URL: Web API base URL override (tests, proxies)

	// Now is the clock; tests replace it.
	Now func() time.Time
}

// defaultHomeRegion is the home region of the bundled corpus.
const defaultHomeRegion = "吴中区"

// homeRegion reads POLICYBOT_HOME_REGION: a region of the region table, by
// its canonical or short name, or none.
func homeRegion(v string) (string, error) {
	if strings.EqualFold(v, "none") {
		return "", nil
	}
	r, ok := policies.DefaultRegions().Lookup(v)
	if !ok {
		return "", fmt.Errorf("POLICYBOT_HOME_REGION=%q is not a region of policies/regions.txt: give e.g. 吴中区, 苏州市, 江苏省, 全国, or none (不是地区表中的地区)", v)
	}
	return r.Name, nil
}

func loadConfig(getenv func(string) string) (Config, error) {
	get := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		CorpusDir:     get("POLICYBOT_CORPUS_DIR", ""),
		DataDir:       get("POLICYBOT_DATA_DIR", "./data"),
		HygieneFile:   get("POLICYBOT_HYGIENE_FILE", ""),
		SynonymsFile:  get("POLICYBOT_SYNONYMS_FILE", ""),
		GlossaryFile:  get("POLICYBOT_GLOSSARY_FILE", ""),
		RoutesFile:    get("POLICYBOT_ROUTES_FILE", ""),
		Contact:       get("POLICYBOT_CONTACT", bot.DefaultContact),
		EmbedProvider: get("EMBED_PROVIDER", "local"),
		EmbedBaseURL:  get("EMBED_BASE_URL", ""),
		EmbedModel:    get("EMBED_MODEL", ""),
		EmbedAPIKey:   get("EMBED_API_KEY", ""),
		LLMProvider:   get("LLM_PROVIDER", "none"),
		LLMBaseURL:    get("LLM_BASE_URL", ""),
		LLMModel:      get("LLM_MODEL", ""),
		LLMAPIKey:     get("LLM_API_KEY", ""),
		Now:           time.Now,
	}
	var err error
	if c.HomeRegion, err = homeRegion(get("POLICYBOT_HOME_REGION", defaultHomeRegion)); err != nil {
		return c, err
	}
	if err := c.LogLevel.UnmarshalText([]byte(get("POLICYBOT_LOG_LEVEL", "warn"))); err != nil {
		return c, fmt.Errorf("POLICYBOT_LOG_LEVEL=%q: want debug, info, warn or error", getenv("POLICYBOT_LOG_LEVEL"))
	}
	if c.LLMTimeout, err = time.ParseDuration(get("LLM_TIMEOUT", "30s")); err != nil || c.LLMTimeout <= 0 {
		return c, fmt.Errorf("LLM_TIMEOUT=%q: want a positive duration such as 30s", getenv("LLM_TIMEOUT"))
	}
	if c.LLMDeadline, err = time.ParseDuration(get("LLM_DEADLINE", (c.LLMTimeout + c.LLMTimeout/2).String())); err != nil || c.LLMDeadline <= 0 {
		return c, fmt.Errorf("LLM_DEADLINE=%q: want a positive duration such as 45s", getenv("LLM_DEADLINE"))
	}
	if c.LLMBreakerCooldown, err = time.ParseDuration(get("LLM_BREAKER_COOLDOWN", "30s")); err != nil || c.LLMBreakerCooldown <= 0 {
		return c, fmt.Errorf("LLM_BREAKER_COOLDOWN=%q: want a positive duration such as 30s", getenv("LLM_BREAKER_COOLDOWN"))
	}
	for _, x := range []struct {
		name string
		def  string
		into *int
	}{{"LLM_CONCURRENCY", "32", &c.LLMConcurrency}, {"LLM_BREAKER_FAILURES", "5", &c.LLMBreakerFailures}} {
		n, err := strconv.Atoi(get(x.name, x.def))
		if err != nil || n <= 0 {
			return c, fmt.Errorf("%s=%q: want a positive whole number such as %s", x.name, getenv(x.name), x.def)
		}
		*x.into = n
	}
	switch c.EmbedProvider {
	case "local", "openai", "ollama":
	default:
		return c, fmt.Errorf("EMBED_PROVIDER=%q: want local, openai or ollama", c.EmbedProvider)
	}
	switch c.LLMProvider {
	case "none", "openai", "ollama":
	default:
		return c, fmt.Errorf("LLM_PROVIDER=%q: want none, openai or ollama", c.LLMProvider)
	}
	// The web server (policybot serve).
	c.Addr = get("POLICYBOT_ADDR", ":8080")
	if c.PublicURL = strings.TrimRight(get("POLICYBOT_PUBLIC_URL", ""), "/"); c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, fmt.Errorf("POLICYBOT_PUBLIC_URL=%q: want an absolute URL such as https://policybot.example.gov.cn", c.PublicURL)
		}
	}
	if c.AllowedOrigins, err = web.ParseOrigins(get("POLICYBOT_ALLOWED_ORIGINS", "")); err != nil {
		return c, fmt.Errorf("POLICYBOT_ALLOWED_ORIGINS: %w", err)
	}
	if c.RateLimit, err = web.ParseRateLimit(get("POLICYBOT_RATE_LIMIT", "30/min")); err != nil {
		return c, fmt.Errorf("POLICYBOT_RATE_LIMIT=%q: %w", getenv("POLICYBOT_RATE_LIMIT"), err)
	}
	if c.GlobalLimit, err = web.ParseRateLimit(get("POLICYBOT_RATE_LIMIT_GLOBAL", "0")); err != nil {
		return c, fmt.Errorf("POLICYBOT_RATE_LIMIT_GLOBAL=%q: %w", getenv("POLICYBOT_RATE_LIMIT_GLOBAL"), err)
	}
	c.MetricsAddr, c.MetricsToken = get("POLICYBOT_METRICS_ADDR", ""), get("POLICYBOT_METRICS_TOKEN", "")
	if c.MetricsAddr != "" && c.MetricsAddr == c.Addr {
		return c, fmt.Errorf("POLICYBOT_METRICS_ADDR=%q is POLICYBOT_ADDR: give another address (e.g. 127.0.0.1:9090), or leave it empty", c.MetricsAddr)
	}
	if c.TrustedProxies, err = web.ParseTrustedProxies(get("POLICYBOT_TRUSTED_PROXIES", "")); err != nil {
		return c, fmt.Errorf("POLICYBOT_TRUSTED_PROXIES: %w", err)
	}
	// Never echo DATABASE_URL: it holds the password.
	if c.DatabaseURL = get("DATABASE_URL", ""); c.DatabaseURL != "" &&
		!strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return c, fmt.Errorf("DATABASE_URL: want a PostgreSQL URL, postgres://user:password@host:5432/dbname")
	}
	if c.Admin, err = adminConfig(getenv); err != nil {
		return c, err
	}
	c.SlackBotToken, c.SlackAppToken = get("SLACK_BOT_TOKEN", ""), get("SLACK_APP_TOKEN", "")
	c.SlackSigningSecret, c.SlackAPIURL = get("SLACK_SIGNING_SECRET", ""), get("SLACK_API_URL", "")
	if (c.SlackAppToken != "" || c.SlackSigningSecret != "") && c.SlackBotToken == "" {
		return c, fmt.Errorf("SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is set without SLACK_BOT_TOKEN (xoxb-…)")
	}
	if c.SlackAppToken != "" && !strings.HasPrefix(c.SlackAppToken, "xapp-") {
		return c, fmt.Errorf("SLACK_APP_TOKEN: want an app-level token starting with xapp-")
	}
	return c, nil
}
