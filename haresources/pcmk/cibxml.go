package pcmk

import (
	"encoding/xml"
	"strings"
)

// ValidateWith is the CIB schema the export targets: the oldest schema with
// promotable clones and the Promoted/Unpromoted roles (Pacemaker >= 2.1.0).
const ValidateWith = "pacemaker-3.7"

type xNV struct {
	ID    string `xml:"id,attr"`
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type xSet struct {
	ID  string `xml:"id,attr"`
	NVs []xNV  `xml:"nvpair"`
}

type xOp struct {
	ID       string `xml:"id,attr"`
	Name     string `xml:"name,attr"`
	Interval string `xml:"interval,attr"`
	Timeout  string `xml:"timeout,attr,omitempty"`
	Role     string `xml:"role,attr,omitempty"`
}

type xPrimitive struct {
	XMLName  xml.Name `xml:"primitive"`
	ID       string   `xml:"id,attr"`
	Class    string   `xml:"class,attr"`
	Provider string   `xml:"provider,attr,omitempty"`
	Type     string   `xml:"type,attr"`
	Instance *xSet    `xml:"instance_attributes,omitempty"`
	Ops      []xOp    `xml:"operations>op"`
}

type xClone struct {
	XMLName xml.Name   `xml:"clone"`
	ID      string     `xml:"id,attr"`
	Meta    *xSet      `xml:"meta_attributes,omitempty"`
	Child   xPrimitive `xml:"primitive"`
}

type xGroup struct {
	XMLName xml.Name     `xml:"group"`
	ID      string       `xml:"id,attr"`
	Members []xPrimitive `xml:"primitive"`
}

type xExpr struct {
	ID        string `xml:"id,attr"`
	Attribute string `xml:"attribute,attr"`
	Operation string `xml:"operation,attr"`
	Value     string `xml:"value,attr,omitempty"`
	Type      string `xml:"type,attr,omitempty"`
}

type xRule struct {
	ID        string  `xml:"id,attr"`
	Score     string  `xml:"score,attr"`
	BooleanOp string  `xml:"boolean-op,attr"`
	Exprs     []xExpr `xml:"expression"`
}

type xLocation struct {
	XMLName xml.Name `xml:"rsc_location"`
	ID      string   `xml:"id,attr"`
	Rsc     string   `xml:"rsc,attr"`
	Node    string   `xml:"node,attr,omitempty"`
	Score   string   `xml:"score,attr,omitempty"`
	Rule    *xRule   `xml:"rule,omitempty"`
}

type xColocation struct {
	XMLName  xml.Name `xml:"rsc_colocation"`
	ID       string   `xml:"id,attr"`
	Score    string   `xml:"score,attr"`
	Rsc      string   `xml:"rsc,attr"`
	With     string   `xml:"with-rsc,attr"`
	WithRole string   `xml:"with-rsc-role,attr,omitempty"`
}

type xOrder struct {
	XMLName     xml.Name `xml:"rsc_order"`
	ID          string   `xml:"id,attr"`
	Kind        string   `xml:"kind,attr"`
	First       string   `xml:"first,attr"`
	FirstAction string   `xml:"first-action,attr"`
	Then        string   `xml:"then,attr"`
	ThenAction  string   `xml:"then-action,attr"`
}

// xList holds elements that name themselves (their XMLName).
type xList struct {
	Items []any
}

type xCIB struct {
	XMLName      xml.Name `xml:"cib"`
	ValidateWith string   `xml:"validate-with,attr"`
	AdminEpoch   string   `xml:"admin_epoch,attr"`
	Epoch        string   `xml:"epoch,attr"`
	NumUpdates   string   `xml:"num_updates,attr"`
	CrmConfig    xSet     `xml:"configuration>crm_config>cluster_property_set"`
	Nodes        struct{} `xml:"configuration>nodes"`
	Resources    xList    `xml:"configuration>resources"`
	Constraints  xList    `xml:"configuration>constraints"`
	RscDefaults  xSet     `xml:"configuration>rsc_defaults>meta_attributes"`
	Status       struct{} `xml:"status"`
}

func nvSet(id string, nvs []NV) xSet {
	s := xSet{ID: id}
	for _, nv := range nvs {
		s.NVs = append(s.NVs, xNV{ID: id + "-" + nv.Name, Name: nv.Name, Value: nv.Value})
	}
	return s
}

func (p Primitive) xml() xPrimitive {
	x := xPrimitive{ID: p.ID, Class: p.Class, Provider: p.Provider, Type: p.Type}
	if len(p.Params) > 0 {
		s := nvSet(p.ID+"-instance_attributes", p.Params)
		x.Instance = &s
	}
	for _, o := range p.Ops {
		id := p.ID + "-" + o.Name + "-" + o.Interval
		if o.Role != "" {
			id += "-" + strings.ToLower(o.Role)
		}
		x.Ops = append(x.Ops, xOp{ID: id, Name: o.Name, Interval: o.Interval, Timeout: o.Timeout, Role: o.Role})
	}
	return x
}

// cloneMeta is the clone's meta attributes, promotable=true first.
func (c Clone) meta() []NV {
	if c.Promotable {
		return append([]NV{{"promotable", "true"}}, c.Meta...)
	}
	return c.Meta
}

// XML renders the complete CIB: validate-with set, no crm_feature_set (a
// newer feature set than the local Pacemaker's makes tools reject the file).
func (c *CIB) XML() []byte {
	x := xCIB{ValidateWith: ValidateWith, AdminEpoch: "0", Epoch: "1", NumUpdates: "0",
		CrmConfig: nvSet("cib-bootstrap-options", c.Properties), RscDefaults: nvSet("rsc-options", c.RscDefaults)}
	for _, p := range c.Primitives {
		x.Resources.Items = append(x.Resources.Items, p.xml())
	}
	for _, cl := range c.Clones {
		xc := xClone{ID: cl.ID, Child: cl.Child.xml()}
		if m := cl.meta(); len(m) > 0 {
			s := nvSet(cl.ID+"-meta_attributes", m)
			xc.Meta = &s
		}
		x.Resources.Items = append(x.Resources.Items, xc)
	}
	for _, g := range c.Groups {
		xg := xGroup{ID: g.ID}
		for _, m := range g.Members {
			xg.Members = append(xg.Members, m.xml())
		}
		x.Resources.Items = append(x.Resources.Items, xg)
	}
	for _, l := range c.Locations {
		x.Constraints.Items = append(x.Constraints.Items, xLocation{ID: l.ID, Rsc: l.Rsc, Node: l.Node, Score: l.Score})
	}
	for _, r := range c.Rules {
		x.Constraints.Items = append(x.Constraints.Items, xLocation{ID: r.ID, Rsc: r.Rsc, Rule: &xRule{
			ID: r.ID + "-rule", Score: "-INFINITY", BooleanOp: "or", Exprs: []xExpr{
				{ID: r.ID + "-rule-expr", Attribute: r.Attribute, Operation: "not_defined"},
				{ID: r.ID + "-rule-expr-1", Attribute: r.Attribute, Operation: "lte", Value: "0", Type: "number"},
			}}})
	}
	for _, co := range c.Colocations {
		x.Constraints.Items = append(x.Constraints.Items, xColocation{ID: co.ID, Score: co.Score, Rsc: co.Rsc, With: co.With, WithRole: co.WithRole})
	}
	for _, o := range c.Orders {
		x.Constraints.Items = append(x.Constraints.Items, o2x(o))
	}
	out, err := xml.MarshalIndent(x, "", "  ")
	if err != nil {
		// Every field is a string or a fixed struct: marshalling cannot fail.
		panic("pcmk: marshalling the CIB: " + err.Error())
	}
	return append(out, '\n')
}

func o2x(o Order) xOrder {
	return xOrder{ID: o.ID, Kind: o.Kind, First: o.First, FirstAction: o.FirstAction, Then: o.Then, ThenAction: o.ThenAction}
}
