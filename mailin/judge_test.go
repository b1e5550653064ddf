package mailin

// judgeHeader is the verdict the header alone supports, as the ingest loop sees it before it
// downloads a body (it parses the header alone).
func judgeHeader(h Header, opt ParseOptions) (Verdict, string) { return judge(h, opt, nil, nil) }
