package main

import (
	"strings"
	"testing"
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
