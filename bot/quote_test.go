package bot

import "testing"

func TestSelectQuote(t *testing.T) {
	article := "对A级旅游景区给予奖励：新评定为国家5A级旅游景区的，奖励500万元；新评定为4A级旅游景区的，奖励100万元；新评定为3A级旅游景区的，奖励30万元。"
	tests := []struct {
		name, focus, context, want string
	}{
		{"clause named by its code", "4A级景区奖励多少", "", "新评定为4A级旅游景区的，奖励100万元……"},
		{"clause named by the follow-up", "那3A级的呢", "5A级旅游景区奖励多少 那3A级的呢", "新评定为3A级旅游景区的，奖励30万元。"},
		{"whole sentence when nothing tells clauses apart", "A级旅游景区有什么奖励", "", article},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := selectQuote(article, tc.focus, tc.context); got != tc.want {
				t.Errorf("selectQuote(%q) = %q, want %q", tc.focus, got, tc.want)
			}
		})
	}
}

func TestSelectQuoteKeepsTheCap(t *testing.T) {
	article := "企业参加境外展会的，按展位费的70%给予补助；每家企业每年最高30万元。本条由区商务局负责。"
	got := selectQuote(article, "境外展会展位费补助比例", "")
	want := "企业参加境外展会的，按展位费的70%给予补助；每家企业每年最高30万元。"
	if got != want {
		t.Errorf("selectQuote = %q, want %q", got, want)
	}
}

func TestSelectQuoteMarksSkippedClauses(t *testing.T) {
	article := "对国家级的，奖励50万元；对省级的，奖励20万元；对市级的，奖励10万元；每家企业最高不超过100万元。"
	got := selectQuote(article, "国家级奖励多少", "")
	want := "对国家级的，奖励50万元；……每家企业最高不超过100万元。"
	if got != want {
		t.Errorf("selectQuote = %q, want %q", got, want)
	}
}
