package mailin

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// TNEF is the content of a Transport Neutral Encapsulation Format blob
// (winmail.dat, application/ms-tnef), as sent by Outlook and Exchange
// ([MS-OXTNEF]).
type TNEF struct {
	Attachments []TNEFAttachment // Files, in order.
	Text        string           // Plain text body (attBody or PR_BODY), "" if none.
	HTML        string           // HTML body (PR_BODY_HTML, or HTML encapsulated in the RTF body), "" if none.

	rtf []byte // PR_RTF_COMPRESSED as found, still compressed.
}

// TNEFAttachment is one file inside a TNEF blob.
type TNEFAttachment struct {
	Name string // Long file name when there is one, else the 8.3 title; "" if none.
	Data []byte
}

// ErrNotTNEF is returned by DecodeTNEF for data without the TNEF signature.
var ErrNotTNEF = errors.New("not tnef data")

const tnefSignature = 0x223E9F78

// TNEF attribute IDs (the low 16 bits of the attribute; [MS-OXTNEF] 2.1.3.1).
const (
	attBody           = 0x800C
	attAttachData     = 0x800F
	attAttachTitle    = 0x8010
	attAttachRendData = 0x9002
	attMAPIProps      = 0x9003
	attAttachment     = 0x9005
	attOEMCodepage    = 0x9007
)

// MAPI property IDs and types ([MS-OXPROPS], [MS-OXCDATA] 2.11.1).
const (
	prBody             = 0x1000
	prBodyHTML         = 0x1013
	prRTFCompressed    = 0x1009
	prAttachDataBin    = 0x3701 // also PR_ATTACH_DATA_OBJ with type PT_OBJECT
	prAttachFilename   = 0x3704
	prAttachLongName   = 0x3707
	prDisplayName      = 0x3001
	ptMultiFlag        = 0x1000
	ptString8          = 0x001E
	ptUnicode          = 0x001F
	ptBinary           = 0x0102
	ptObject           = 0x000D
	maxTNEFAttachments = 1000
)

// DecodeTNEF reads a TNEF blob. It checks every length against the data and
// returns what it could read together with an error for truncated or
// malformed input (nil when not even one attribute could be read); it never
// panics. When the message has neither a text nor an HTML body, its RTF body
// (PR_RTF_COMPRESSED, [MS-OXRTFCP]) gives Text, or HTML when the RTF
// encapsulates HTML ([MS-OXRTFEX]).
func DecodeTNEF(b []byte) (t *TNEF, err error) {
	if len(b) < 6 || binary.LittleEndian.Uint32(b) != tnefSignature {
		return nil, ErrNotTNEF
	}
	t = &TNEF{}
	var cur *tnefAtt
	var atts []*tnefAtt
	codepage := uint32(1252)
	nattr := 0
	pos := 6 // signature, then the 2-byte legacy key
	for pos < len(b) {
		if len(b)-pos < 9 {
			err = fmt.Errorf("truncated attribute at offset %d", pos)
			break
		}
		level := b[pos]
		id := binary.LittleEndian.Uint32(b[pos+1:])
		n := binary.LittleEndian.Uint32(b[pos+5:])
		pos += 9
		if uint64(n)+2 > uint64(len(b)-pos) {
			err = fmt.Errorf("attribute %#x at offset %d: length %d beyond end", id, pos-9, n)
			break
		}
		data := b[pos : pos+int(n)]
		pos += int(n) + 2 // data and checksum
		if level != 1 && level != 2 {
			err = fmt.Errorf("bad attribute level %d at offset %d", level, pos)
			break
		}
		nattr++
		switch id & 0xFFFF {
		case attOEMCodepage:
			if len(data) >= 4 {
				codepage = binary.LittleEndian.Uint32(data)
			}
		case attBody:
			if level == 1 && t.Text == "" {
				t.Text = tnefString8(data, codepage)
			}
		case attMAPIProps:
			if level == 1 {
				props, perr := readMAPIProps(data)
				if perr != nil && err == nil {
					err = fmt.Errorf("message properties: %w", perr)
				}
				for _, p := range props {
					switch p.id {
					case prBody:
						if t.Text == "" {
							t.Text = p.str(codepage)
						}
					case prBodyHTML:
						if t.HTML == "" {
							t.HTML = p.str(codepage)
						}
					case prRTFCompressed:
						if t.rtf == nil && len(p.values) > 0 && p.typ == ptBinary {
							t.rtf = p.values[0]
						}
					}
				}
			}
		case attAttachRendData:
			if len(atts) >= maxTNEFAttachments {
				return t, errors.New("too many attachments")
			}
			cur = &tnefAtt{}
			atts = append(atts, cur)
		case attAttachTitle:
			if cur != nil {
				cur.title = tnefString8(data, codepage)
			}
		case attAttachData:
			if cur != nil {
				cur.data = data
			}
		case attAttachment:
			if cur == nil {
				continue
			}
			props, perr := readMAPIProps(data)
			if perr != nil && err == nil {
				err = fmt.Errorf("attachment properties: %w", perr)
			}
			for _, p := range props {
				switch p.id {
				case prAttachLongName:
					cur.longName = p.str(codepage)
				case prAttachFilename:
					if cur.title == "" {
						cur.title = p.str(codepage)
					}
				case prDisplayName:
					cur.display = p.str(codepage)
				case prAttachDataBin:
					if cur.data == nil && len(p.values) > 0 {
						v := p.values[0]
						if p.typ == ptObject && len(v) >= 16 {
							v = v[16:] // the interface GUID
						}
						cur.data = v
					}
				}
			}
		}
	}
	if nattr == 0 {
		return nil, err
	}
	if t.Text == "" && t.HTML == "" && t.rtf != nil {
		rtf, rerr := decompressRTF(t.rtf)
		if rerr != nil && err == nil {
			err = fmt.Errorf("rtf body: %w", rerr)
		}
		// A stream cut short still gives the text before the cut.
		t.Text, t.HTML = rtfToText(rtf)
	}
	for _, a := range atts {
		name := a.longName
		if name == "" {
			name = a.title
		}
		if name == "" {
			name = a.display
		}
		if name == "" && a.data == nil {
			continue
		}
		t.Attachments = append(t.Attachments, TNEFAttachment{Name: cleanFilename(name), Data: a.data})
	}
	return t, err
}

type tnefAtt struct {
	title, longName, display string
	data                     []byte
}

// tnefString8 decodes a NUL-terminated 8-bit string in the OEM code page.
func tnefString8(b []byte, codepage uint32) string {
	if i := indexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if utf8.Valid(b) {
		return string(b)
	}
	if codepage == 1252 || codepage == 0 {
		if s, err := charmap.Windows1252.NewDecoder().Bytes(b); err == nil {
			return string(s)
		}
	}
	s, _ := decodeCharset(b, fmt.Sprintf("windows-%d", codepage))
	return s
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

type mapiProp struct {
	typ, id uint16
	values  [][]byte
}

func (p mapiProp) str(codepage uint32) string {
	if len(p.values) == 0 {
		return ""
	}
	v := p.values[0]
	if p.typ&^ptMultiFlag == ptUnicode {
		u := make([]uint16, 0, len(v)/2)
		for i := 0; i+1 < len(v); i += 2 {
			c := binary.LittleEndian.Uint16(v[i:])
			if c == 0 {
				break
			}
			u = append(u, c)
		}
		return string(utf16Decode(u))
	}
	return toValidUTF8(tnefString8(v, codepage), "\uFFFD")
}

// mapiReader reads little-endian values with bounds checks.
type mapiReader struct {
	b   []byte
	pos int
	err error
}

func (r *mapiReader) u32() uint32 {
	if r.err != nil {
		return 0
	}
	if len(r.b)-r.pos < 4 {
		r.err = errors.New("truncated")
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b[r.pos:])
	r.pos += 4
	return v
}

func (r *mapiReader) bytes(n uint32) []byte {
	if r.err != nil {
		return nil
	}
	if uint64(n) > uint64(len(r.b)-r.pos) {
		r.err = errors.New("truncated")
		return nil
	}
	v := r.b[r.pos : r.pos+int(n)]
	r.pos += int(n)
	return v
}

// pad skips to the next multiple of 4 after a value of n bytes.
func (r *mapiReader) pad(n uint32) {
	if rem := n % 4; rem != 0 {
		r.bytes(4 - rem)
	}
}

// fixedSize is the encoded size of fixed-length MAPI types, 0 for variable.
func fixedSize(typ uint16) uint32 {
	switch typ {
	case 0x0002, 0x0003, 0x0004, 0x000A, 0x000B, 0x0001: // I2, LONG, R4, ERROR, BOOLEAN, NULL (padded to 4)
		return 4
	case 0x0005, 0x0006, 0x0007, 0x0014, 0x0040: // DOUBLE, CURRENCY, APPTIME, I8, SYSTIME
		return 8
	case 0x0048: // CLSID
		return 16
	}
	return 0
}

// readMAPIProps reads an attMAPIProps or attAttachment value ([MS-OXTNEF]
// 2.1.3.5): a count, then properties, named ones with their GUID and name.
func readMAPIProps(b []byte) ([]mapiProp, error) {
	r := &mapiReader{b: b}
	count := r.u32()
	if uint64(count) > uint64(len(b))/4 {
		return nil, fmt.Errorf("property count %d too large", count)
	}
	var props []mapiProp
	for i := uint32(0); i < count && r.err == nil; i++ {
		tag := r.u32()
		typ, id := uint16(tag), uint16(tag>>16)
		if id >= 0x8000 {
			r.bytes(16) // property set GUID
			kind := r.u32()
			switch kind {
			case 0:
				r.u32()
			case 1:
				n := r.u32()
				r.bytes(n)
				r.pad(n)
			default:
				return props, fmt.Errorf("bad named property kind %d", kind)
			}
		}
		p := mapiProp{typ: typ, id: id}
		base := typ &^ ptMultiFlag
		multi := typ&ptMultiFlag != 0
		switch {
		case base == ptString8 || base == ptUnicode || base == ptBinary || base == ptObject:
			n := r.u32()
			if uint64(n) > uint64(len(b)) {
				return props, fmt.Errorf("value count %d too large", n)
			}
			for k := uint32(0); k < n && r.err == nil; k++ {
				size := r.u32()
				v := r.bytes(size)
				r.pad(size)
				p.values = append(p.values, v)
			}
		case fixedSize(base) > 0:
			n := uint32(1)
			if multi {
				n = r.u32()
				if uint64(n) > uint64(len(b)) {
					return props, fmt.Errorf("value count %d too large", n)
				}
			}
			for k := uint32(0); k < n && r.err == nil; k++ {
				p.values = append(p.values, r.bytes(fixedSize(base)))
			}
		default:
			return props, fmt.Errorf("unknown property type %#x", typ)
		}
		if r.err != nil {
			return props, fmt.Errorf("property %#x: %w", id, r.err)
		}
		props = append(props, p)
	}
	return props, r.err
}
