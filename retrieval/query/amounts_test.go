package query

import (
	"reflect"
	"testing"
)

func TestAmounts(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"首次突破五十亿元奖励多少", []string{"50亿元"}},
		{"一个亿的营收", []string{"1亿"}},
		{"两个亿", []string{"2亿"}},
		{"买设备花了两千万", []string{"2000万"}},
		{"投入两千五百万元", []string{"2500万元"}},
		{"一千零五十万", []string{"1050万"}},
		{"一亿五千万美元", []string{"1.5亿美元"}},
		{"两亿五", []string{"2.5亿"}},
		{"一万五", []string{"1.5万"}},
		{"十亿", []string{"10亿"}},
		{"十万块钱", []string{"10万元"}},
		{"5千万", []string{"5000万"}},
		{"500万美金", []string{"500万美元"}},
		{"50万块", []string{"50万元"}},
		{"已写作50万元", []string{"50万元"}},
		{"2000平米的仓库", []string{"2000平方米"}},
		{"三千平方米", []string{"3000平方米"}},
		{"一万张票", []string{"1万张"}},
		{"三个月内", []string{"3个月"}},
		{"百分之七十", []string{"70%"}},
		{"百分之50", []string{"50%"}},
		{"按50%补助", []string{"50%"}},
		{"$100 million in exports", []string{"1亿美元"}},
		{"5 million yuan", []string{"500万元"}},
		{"us$1.5m", []string{"150万美元"}},
		{"500k rmb", []string{"50万元"}},
		{"10,000 tickets", []string{"1万张"}},
		{"70 percent", []string{"70%"}},
		{"2,000 square meters", []string{"2000平方米"}},
		{"1 billion", []string{"10亿"}},
		// not amounts
		{"五星级旅游饭店", nil},
		{"十大行动39项重点任务", nil},
		{"区长万利主持", nil},
		{"千万不要", nil},
		{"三个高质量发展政策", nil},
		{"2025年3月1日", nil},
		{"3+2+N产业", nil},
		{"5A级景区", nil},
		{"running 2000m", nil},
	}
	for _, tc := range tests {
		if got := amounts(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("amounts(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRewriteAmountsInExpanded(t *testing.T) {
	w := Default().Rewrite("营收首次突破五十亿能拿多少？")
	if !reflect.DeepEqual(w.Amounts, []string{"50亿"}) {
		t.Errorf("Amounts = %q, want [50亿]", w.Amounts)
	}
	if want := " 50亿"; len(w.Expanded) < len(want) || w.Expanded[len(w.Expanded)-len(want):] != want {
		t.Errorf("Expanded = %q, want it to end with %q", w.Expanded, want)
	}
}
