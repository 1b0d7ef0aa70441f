package main

import (
	"fmt"
	"strconv"
	"strings"

	"policybot/web"
)

// AdminConfig is the corpus-management settings: who may use /admin, the
// token `policybot docs` sends, and the upload cap. Each variable is
// documented in .env.example.
type AdminConfig struct {
	// Tokens are POLICYBOT_ADMIN_TOKENS ("name:token,…") and
	// POLICYBOT_ADMIN_TOKEN (named "admin"); none turns /admin off.
	Tokens []web.AdminToken
	// Token is POLICYBOT_ADMIN_TOKEN, the bearer token of `policybot docs`.
	Token string
	// MaxUpload is POLICYBOT_MAX_UPLOAD in bytes (default 20 MB).
	MaxUpload int64
}

// maxUploadLimit bounds POLICYBOT_MAX_UPLOAD: the converted text of a
// document is at most 8 MB anyway.
const maxUploadLimit = 200 << 20

// adminConfig reads the AdminConfig from the environment.
func adminConfig(getenv func(string) string) (AdminConfig, error) {
	var c AdminConfig
	var err error
	c.Token = strings.TrimSpace(getenv("POLICYBOT_ADMIN_TOKEN"))
	if c.Tokens, err = web.ParseAdminTokens(getenv("POLICYBOT_ADMIN_TOKENS"), c.Token); err != nil {
		return c, fmt.Errorf("POLICYBOT_ADMIN_TOKENS / POLICYBOT_ADMIN_TOKEN: %w", err)
	}
	c.MaxUpload = web.DefaultMaxUpload
	if s := strings.TrimSpace(getenv("POLICYBOT_MAX_UPLOAD")); s != "" {
		n, err := parseSize(s)
		if err != nil || n <= 0 || n > maxUploadLimit {
			return c, fmt.Errorf("POLICYBOT_MAX_UPLOAD=%q: want a size such as 20MB, at most 200MB", s)
		}
		c.MaxUpload = n
	}
	return c, nil
}

// parseSize reads a byte count: 20MB, 512KB, 20M, 1048576 (units are
// powers of 1024; B, KB/KiB/K, MB/MiB/M, GB/GiB/G, any case).
func parseSize(s string) (int64, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	num := strings.TrimRightFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	unit := strings.TrimSpace(s[len(num):])
	n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
	if err != nil {
		return 0, err
	}
	mult := map[string]int64{"": 1, "B": 1, "K": 1 << 10, "KB": 1 << 10, "KIB": 1 << 10,
		"M": 1 << 20, "MB": 1 << 20, "MIB": 1 << 20, "G": 1 << 30, "GB": 1 << 30, "GIB": 1 << 30}[unit]
	if mult == 0 {
		return 0, fmt.Errorf("unknown unit %q", unit)
	}
	if n > (1<<62)/mult {
		return 0, fmt.Errorf("%s is too large", s)
	}
	return n * mult, nil
}
