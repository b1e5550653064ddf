package mailin

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// shortTexts are subjects, display names and file names as help-desk mail
// carries them, by language.
var shortTexts = map[string][]string{
	"fr": {"Problème d'imprimante au 2e étage", "Réinitialisation du mot de passe", "Céline Dupré", "François Lefèvre",
		"Accès VPN refusé", "compte-rendu réunion.docx", "Écran bleu après mise à jour", "Hélène", "Facture n° 2024-117",
		"Ça ne marche toujours pas", "Demande de matériel – clavier", "Noël Garçon", "Numéro de série", "reçu", "Mot de passe expiré"},
	"de": {"Passwort zurücksetzen", "Jürgen Schmürgen", "Übersicht_Änderungen.xlsx", "Größe der Mailbox überschritten",
		"Drucker im 3. Stock gestört", "Björn Weiß", "Anmeldung fehlgeschlagen (Außendienst)", "Müller",
		"Grüße aus München", "Störung Telefonanlage"},
	"zh-Hans": {"关于打印机故障的问题", "张伟", "会议纪要.docx", "请帮忙重置密码", "系统无法登录，请尽快处理", "王芳", "电脑蓝屏",
		"报销单.xlsx", "网络连接中断", "李娜", "邮箱容量已满", "申请新的显示器", "财务部", "周报", "无法打开附件"},
	"zh-Hant": {"關於印表機故障的問題", "陳大文", "會議紀錄.docx", "請幫忙重設密碼", "系統無法登入，請盡快處理", "林美玲",
		"電腦當機", "報帳單.xlsx", "網路連線中斷", "黃志明", "信箱容量已滿", "申請新的螢幕", "財務部", "週報", "無法開啟附件"},
	"ja": {"プリンターの故障について", "山田太郎", "議事録.xlsx", "パスワードをリセットしてください", "システムにログインできません",
		"鈴木花子", "パソコンが起動しない", "見積書.pdf", "ネットワーク障害", "佐藤", "メールボックスの容量", "新しいモニターの申請",
		"経理部", "週報", "添付ファイルが開けません"},
	"ko": {"프린터 고장 문의", "김철수", "회의록.hwp", "비밀번호를 재설정해 주세요", "시스템에 로그인할 수 없습니다", "이영희",
		"컴퓨터가 켜지지 않습니다", "견적서.pdf", "네트워크 장애", "박지성", "메일함 용량 초과", "새 모니터 신청", "경리부", "주간 보고", "첨부 파일을 열 수 없습니다"},
	"ru": {"Проблема с принтером", "Иван Петров", "отчёт.docx", "Прошу сбросить пароль", "Не могу войти в систему",
		"Мария", "Компьютер не включается", "счёт.pdf", "Нет сети", "Сидоров", "Почтовый ящик переполнен", "Заявка на монитор",
		"Бухгалтерия", "ВАЖНО", "Не открывается вложение"},
}

// heldOutTexts were written after the scoring of detectCharset was tuned on
// shortTexts, to measure it on text it has not seen.
var heldOutTexts = map[string][]string{
	"fr":      {"Clé USB non reconnue", "Hervé Bérard", "Mise à jour de sécurité échouée", "planning_congés_été.xlsx", "Désinstallation d'un logiciel"},
	"de":      {"Zugang für neue Kollegin", "Jörg Köhler", "Bildschirm flackert ständig", "Änderungsantrag.pdf", "Schlüssel verloren"},
	"zh-Hans": {"打印机卡纸了", "刘洋", "合同扫描件.pdf", "服务器响应很慢", "需要安装办公软件", "杨静", "会议室投影仪坏了"},
	"zh-Hant": {"印表機卡紙了", "吳家豪", "合約掃描檔.pdf", "伺服器回應很慢", "需要安裝辦公軟體", "楊淑芬", "會議室投影機壞了"},
	"ja":      {"プリンターが紙詰まりしました", "高橋一郎", "契約書スキャン.pdf", "サーバーの応答が遅い", "ソフトのインストール依頼", "田中", "会議室のプロジェクター"},
	"ko":      {"프린터 용지 걸림", "최민수", "계약서 스캔.pdf", "서버 응답이 느립니다", "소프트웨어 설치 요청", "정수진", "회의실 프로젝터 고장"},
	"ru":      {"Принтер зажевал бумагу", "Ольга Смирнова", "договор.pdf", "Сервер медленно отвечает", "Установить программу", "СРОЧНО", "Проектор в переговорной"},
}

// charsetCases lists the charsets measured, with the language written in
// each and the label detection should answer.
var charsetCases = []struct {
	charset, lang, label string
	enc                  encoding.Encoding
}{
	{"Windows-1252", "fr", "windows-1252", charmap.Windows1252},
	{"ISO-8859-1", "de", "windows-1252", charmap.ISO8859_1},
	{"GB2312/GBK", "zh-Hans", "gb18030", simplifiedchinese.GBK},
	{"Big5", "zh-Hant", "big5", traditionalchinese.Big5},
	{"Shift_JIS", "ja", "shift_jis", japanese.ShiftJIS},
	{"EUC-JP", "ja", "euc-jp", japanese.EUCJP},
	{"ISO-2022-JP", "ja", "iso-2022-jp", japanese.ISO2022JP},
	{"EUC-KR", "ko", "euc-kr", korean.EUCKR},
	{"KOI8-R", "ru", "koi8-r", charmap.KOI8R},
	{"Windows-1251", "ru", "windows-1251", charmap.Windows1251},
}

// TestCharsetDetection measures the reading of raw 8-bit text without a
// declared charset, string by string, against the detector library alone
// (go test ./mailin -run CharsetDetection -v prints the table).
func TestCharsetDetection(t *testing.T) {
	t.Run("tuning set", func(t *testing.T) { measureCharsets(t, shortTexts, 0.95) })
	t.Run("held-out set", func(t *testing.T) { measureCharsets(t, heldOutTexts, 0.90) })
}

func measureCharsets(t *testing.T, texts map[string][]string, bar float64) {
	var ours, lib, total int
	var rows []string
	for _, c := range charsetCases {
		var o, l int
		for _, s := range texts[c.lang] {
			b, err := c.enc.NewEncoder().Bytes([]byte(s))
			if err != nil {
				t.Fatalf("%s: encode %q: %v", c.charset, s, err)
			}
			if got := decode8bit(b, ""); got == s {
				o++
			} else if testing.Verbose() {
				t.Logf("%s: %q read as %q", c.charset, s, got)
			}
			if detectByLibrary(b) == c.label {
				l++
			}
		}
		n := len(texts[c.lang])
		rows = append(rows, fmt.Sprintf("| %s | %d/%d | %d/%d |", c.charset, o, n, l, n))
		ours, lib, total = ours+o, lib+l, total+n
	}
	sort.Strings(rows)
	t.Logf("\n| charset | deskd | chardet alone |\n|---|---|---|\n%s\n| all | %d/%d | %d/%d |", strings.Join(rows, "\n"), ours, total, lib, total)
	if float64(ours) < bar*float64(total) {
		t.Errorf("%d/%d read right, below the bar of %.0f%%", ours, total, 100*bar)
	}
}

// TestRaw8bitHeaders checks subjects, display names and file names written
// as raw 8-bit bytes, read with the charset the text part declares, and
// without one.
func TestRaw8bitHeaders(t *testing.T) {
	for _, c := range charsetCases {
		texts := shortTexts[c.lang]
		subject, name, file := texts[0], texts[1], texts[2]
		for _, declared := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s declared %v", c.charset, declared), func(t *testing.T) {
				enc := func(s string) string {
					b, err := c.enc.NewEncoder().Bytes([]byte(s))
					if err != nil {
						t.Fatal(err)
					}
					return string(b)
				}
				cs := ""
				if declared {
					cs = "; charset=" + strings.ToLower(c.charset)
					if c.charset == "GB2312/GBK" {
						cs = "; charset=gb2312"
					}
				}
				raw := "From: " + enc(name) + " <sender@example.com>\r\nTo: desk@example.com\r\nSubject: " + enc(subject) + "\r\n" +
					"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain" + cs + "\r\n" +
					"Content-Transfer-Encoding: 8bit\r\n\r\n" + enc(subject) + "\r\n--b\r\nContent-Type: application/octet-stream; name=\"" + enc(file) + "\"\r\n" +
					"Content-Disposition: attachment; filename=\"" + enc(file) + "\"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--b--\r\n"
				m := mustParse(t, raw, ParseOptions{})
				if m.Subject != subject || m.From.Name != name || m.From.Email != "sender@example.com" {
					t.Errorf("subject %q from %+v", m.Subject, m.From)
				}
				if len(m.Attachments) != 1 || m.Attachments[0].Name != file {
					t.Errorf("attachments %q", names(m))
				}
				if strings.TrimSpace(m.Text) != subject {
					t.Errorf("text %q", m.Text)
				}
			})
		}
	}
}

// TestLatin1IsWindows1252: text labelled iso-8859-1 (or us-ascii, or nothing) with the bytes
// 0x80-0x9F that Outlook writes for curly quotes, dashes and the euro sign is read as
// windows-1252, as browsers do (WHATWG encoding standard), in the body and in encoded words.
func TestLatin1IsWindows1252(t *testing.T) {
	const body = "\x93Le devis\x94 co\xfbte 20 \x80 \x96 voir ci-joint\x85"
	const want = "“Le devis” coûte 20 € – voir ci-joint…"
	for _, label := range []string{"iso-8859-1", "ISO-8859-1", "\"iso-8859-1\"", "latin1", "iso_8859-1:1987", "l1", "us-ascii", "ascii", "ANSI_X3.4-1968", "windows-1252", ""} {
		ct := "text/plain; charset=" + label
		if label == "" {
			ct = "text/plain"
		}
		raw := "From: Priya <priya@corp.example>\r\nSubject: =?iso-8859-1?Q?=93Devis=94_=80?=\r\nMIME-Version: 1.0\r\nContent-Type: " + ct +
			"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body + "\r\n"
		m := mustParse(t, raw, ParseOptions{})
		if got := strings.TrimSpace(m.Text); got != want {
			t.Errorf("%s: text %q, want %q", label, got, want)
		}
		if m.Subject != "“Devis” €" {
			t.Errorf("%s: subject %q", label, m.Subject)
		}
	}
}
