package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMatchCommand(t *testing.T) {
	out, _, err := runCLI(t, map[string]string{"POLICYBOT_PUBLIC_URL": "https://policy.example.gov.cn"}, "match", "--json",
		"我们是吴中一家做精密零部件的规上企业，去年营收8亿，今年设备投了3000万，刚评上省级专精特新")
	if err != nil {
		t.Fatalf("match --json: %v", err)
	}
	var res struct {
		Understood struct {
			Region string `json:"region"`
		} `json:"understood"`
		Matches []struct {
			Doc          string   `json:"doc"`
			Article      int      `json:"article"`
			Status       string   `json:"status"`
			EstimateYuan *float64 `json:"estimate_yuan"`
			URL          string   `json:"url"`
		} `json:"matches"`
		Total float64 `json:"total_estimate_yuan"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("match --json printed %q: %v", out, err)
	}
	if res.Understood.Region != "吴中区" || len(res.Matches) != 3 || res.Matches[0].Article != 6 || res.Matches[0].Status != "matched" ||
		res.Matches[0].URL != "https://policy.example.gov.cn/policies/wz-mfg-2025#article-6" || res.Total != 200000 {
		t.Errorf("match --json = %+v; want 吴中区, 3 matches, 第6条 matched first with its link, total 200000", res)
	}

	profile := filepath.Join(t.TempDir(), "p.json")
	os.WriteFile(profile, []byte(`{"category": "culture-sports-tourism", "events": [{"name": "太湖音乐节", "kind": "performance", "tickets": 30000}]}`), 0o644)
	out, _, err = runCLI(t, nil, "match", "--profile", profile)
	if err != nil {
		t.Fatalf("match --profile: %v", err)
	}
	for _, want := range []string{"[符合]", "第6条", "太湖音乐节", "测算：30万元", "3万张×10元", "合计30万元", "仅为估算", "区文体旅局"} {
		if !strings.Contains(out, want) {
			t.Errorf("match --profile output lacks %q:\n%s", want, out)
		}
	}
}

func TestMatchCommandErrors(t *testing.T) {
	if _, _, err := runCLI(t, nil, "match"); err == nil || !strings.Contains(err.Error(), "请描述企业情况") {
		t.Errorf("match without a company = %v, want the usage error", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"figures": {"profit": 3}}`), 0o644)
	if _, _, err := runCLI(t, nil, "match", "--profile", bad); err == nil || !strings.Contains(err.Error(), "profit") || !strings.Contains(err.Error(), "无法识别") {
		t.Errorf("match with an unknown figure = %v, want it named in English and Chinese", err)
	}
	if _, _, err := runCLI(t, nil, "match", "--profile", filepath.Join(t.TempDir(), "none.json")); err == nil {
		t.Error("match with a missing profile file succeeded")
	}
}
