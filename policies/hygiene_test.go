package policies

import (
	"os"
	"strings"
	"testing"
)

func TestHygienePatterns(t *testing.T) {
	tests := []struct {
		name  string
		line  string
		code  string // "" means clean
		col   int
		match string
	}{
		{"brand", "审议了《新万博体育:对20项…》", CodeSpam, 5, "新万博"},
		{"entertainment site", "《某某娱乐官网2025年方案》", CodeSpam, 2, "某某娱乐官网"},
		{"sports site", "劲爆体育官网", CodeSpam, 1, "劲爆体育官网"},
		{"gambling", "正规博彩平台", CodeSpam, 3, "博彩"},
		{"live dealer", "真人娱乐首选", CodeSpam, 1, "真人娱乐"},
		{"lottery", "最大彩票网上线", CodeSpam, 3, "彩票网"},
		{"baccarat", "百家乐在线", CodeSpam, 1, "百家乐"},
		{"bonus lure", "首存送100%", CodeSpam, 1, "首存送"},
		{"ICP", "备案:苏ICP备10060399号", CodeFooter, 5, "ICP备10060399号"},
		{"site id", "网站标识码:3205060031", CodeFooter, 1, "网站标识码"},
		{"police record", "公安部备案号:32050602010344", CodeFooter, 1, "公安部备案号"},
		{"footer host", "主办单位:区政府办公室 网站支持", CodeFooter, 1, "主办单位:"},
		{"foreign link", "详见 http://xwb-bet.example.com/a", CodeLink, 4, "http://xwb-bet.example.com/a"},
		{"bare www link", "访问www.casino-x.com领取", CodeLink, 3, "www.casino-x.com"},
		{"zero width", "奖励\u200b50万元", CodeInvisible, 3, "U+200B"},
		{"direction override", "abc\u202edef", CodeInvisible, 4, "U+202E"},
		{"gov link is fine", "见 https://www.szwz.gov.cn/art/2025/x.html", "", 0, ""},
		{"policy text is fine", "按每张10元奖励主办单位；体育赛事奖励最高200万元。", "", 0, ""},
		{"sports bureau is fine", "国家体育总局官网发布", "", 0, ""},
	}
	h := DefaultHygiene()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := h.Scan("x.txt", []string{tc.line}, 7)
			if tc.code == "" {
				if len(fs) != 0 {
					t.Fatalf("Scan(%q) = %v, want clean", tc.line, fs)
				}
				return
			}
			for _, f := range fs {
				if f.Code == tc.code && f.Col == tc.col && f.Match == tc.match && f.Line == 7 && f.Severity == Error {
					return
				}
			}
			t.Fatalf("Scan(%q) = %v, want %s at 7:%d matching %q", tc.line, fs, tc.code, tc.col, tc.match)
		})
	}
}

func TestSeedFileFindings(t *testing.T) {
	data, err := os.ReadFile("../testdata/seed/000_40573cf00690dfd2.txt")
	if err != nil {
		t.Fatal(err)
	}
	_, fs := ParseFile("seed.txt", data)
	lines := strings.Split(string(data), "\n")
	spamLines := map[int]bool{}
	for i, l := range lines {
		if strings.Contains(l, "新万博") {
			spamLines[i+1] = true
		}
	}
	if len(spamLines) < 7 {
		t.Fatalf("seed has %d spam lines; fixture changed?", len(spamLines))
	}
	got := map[int]bool{}
	footer := map[string]bool{}
	for _, f := range fs {
		if f.Code == CodeSpam {
			got[f.Line] = true
		}
		if f.Code == CodeFooter {
			footer[f.Match] = true
		}
	}
	for l := range spamLines {
		if !got[l] {
			t.Errorf("spam on line %d not reported", l)
		}
	}
	for _, m := range []string{"主办单位:", "ICP备10060399号", "网站标识码", "公安部备案号"} {
		if !footer[m] {
			t.Errorf("footer %q not reported; footer findings %v", m, footer)
		}
	}
}

func TestLoadHygiene(t *testing.T) {
	h, err := LoadHygiene(DefaultHygiene(), "extra.txt", strings.NewReader("# extra\nspam\t某某彩\tlocal brand\nallow-domain\texample.org\n"))
	if err != nil {
		t.Fatal(err)
	}
	if h.Clean("某某彩来了") {
		t.Error("extra spam rule not applied")
	}
	if !h.Clean("见 https://docs.example.org/x") {
		t.Error("extra allowed domain not applied")
	}
	if DefaultHygiene().Clean("某某彩来了") == false {
		t.Error("LoadHygiene modified the default rules")
	}
	for _, bad := range []string{"spam\n", "weird\tx\n", "spam\t(\n"} {
		if _, err := LoadHygiene(DefaultHygiene(), "bad.txt", strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "bad.txt:1") {
			t.Errorf("LoadHygiene(%q) error = %v, want one naming bad.txt:1", bad, err)
		}
	}
}

func TestRequiredLiterals(t *testing.T) {
	for pattern, want := range map[string]string{
		`[\p{Han}]{0,12}(?:娱乐|体育)官网`: "官网",
		`新万博`:                        "新万博",
		`百家乐|六合彩`:                    "百家乐|六合彩",
		`(?i:bet365)`:                "bet365",
		`ICP[备证][\s:：]*[0-9]{5,}号?`:  "icp",
		`[\x{200B}-\x{200F}]`:        "",
	} {
		if got := strings.Join(requiredLiterals(pattern), "|"); got != want {
			t.Errorf("requiredLiterals(%q) = %q, want %q", pattern, got, want)
		}
	}
}
