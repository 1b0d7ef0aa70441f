package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"policybot/bot"
	"policybot/bot/convlog"
	"policybot/policies"
	"policybot/retrieval"
)

func TestConfigHomeRegion(t *testing.T) {
	tests := []struct {
		value, want, err string
	}{
		{"", "吴中区", ""}, // the bundled corpus's district
		{"吴中区", "吴中区", ""},
		{"相城", "相城区", ""},
		{"园区", "苏州工业园区", ""},
		{"江苏省", "江苏省", ""},
		{"none", "", ""},
		{"NONE", "", ""},
		{"杭州市", "", "POLICYBOT_HOME_REGION=\"杭州市\" is not a region"},
	}
	for _, tc := range tests {
		t.Run(tc.value, func(t *testing.T) {
			cfg, err := loadConfig(func(k string) string {
				if k == "POLICYBOT_HOME_REGION" {
					return tc.value
				}
				return ""
			})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("loadConfig(POLICYBOT_HOME_REGION=%q) error = %v, want %q", tc.value, err, tc.err)
				}
				return
			}
			if err != nil || cfg.HomeRegion != tc.want {
				t.Errorf("loadConfig(POLICYBOT_HOME_REGION=%q) = %q, %v; want %q", tc.value, cfg.HomeRegion, err, tc.want)
			}
		})
	}
}

// TestConfigRoutesFile: POLICYBOT_ROUTES_FILE adds departments the bot
// routes uncovered topics to; a malformed file is an error naming it.
func TestConfigRoutesFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "routes.txt")
	if err := os.WriteFile(good, []byte("topic | 区无人机飞行服务站 | 0512-00000000 | 无人机航拍许可 | 航拍审批\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(func(k string) string {
		switch k {
		case "POLICYBOT_ROUTES_FILE":
			return good
		case "POLICYBOT_DATA_DIR":
			return dir
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := policies.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	idx, err := retrieval.Open(context.Background(), c.Docs, retrieval.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := cfg.newBot(idx, convlog.NewMemory(4), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ans, err := b.Ask(context.Background(), bot.Request{ConversationID: "r", Message: "我们公司要办无人机航拍许可，去哪里办"})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Mode != bot.ModeRoute || !strings.Contains(ans.Text, "区无人机飞行服务站") {
		t.Errorf("with the routes file, Ask = %s %q, want a route to 区无人机飞行服务站", ans.Mode, ans.Text)
	}

	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("topic | 只有部门\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.RoutesFile = bad
	if _, _, err := cfg.newBot(idx, convlog.NewMemory(4), slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "POLICYBOT_ROUTES_FILE") {
		t.Errorf("a malformed routes file: error = %v, want one naming POLICYBOT_ROUTES_FILE", err)
	}
}
