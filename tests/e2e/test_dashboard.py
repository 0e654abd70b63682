"""The dashboard (/_runnerlink/ui) in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright): networks
built through boto3 appear in the diagram and the resource list and follow changes; requests made under
`runnerlink exec` arrive live with their outcome, open to their hops, decision and statement, filter, and show on the
topology; a VPC list longer than the page is virtualised, searched and driven by keyboard; audit findings come in
pages, filter on the server and link to their resources; App Runner services show status, operations, a working URL
and logs; the page fetches nothing from elsewhere, logs no error, and works by keyboard in both themes. Screenshots
go to test-artifacts/dashboard/ (RUNNERLINK_TEST_ARTIFACTS overrides the directory)."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

from tests.conftest import LIFECYCLE_DELAY
from tests.e2e.app_helpers import FAST_HEALTH, code_source, python_app, wait_settled
from tests.e2e.ec2_fixtures import make_endpoint, make_network
from tests.e2e.test_gateway import LIST_SERVICES, exec_in, make_public, wait_available
from tests.server import RunningServer

CHROMIUM = "/usr/bin/chromium"
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = playwright_api.expect

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM}")]

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(os.environ.get("RUNNERLINK_TEST_ARTIFACTS", Path(__file__).parents[2] / "test-artifacts"))
SHOTS = ARTIFACTS / "dashboard"
TIMEOUT = 10_000  # ms: what a view may take to show what the server knows
READ_ONLY = {"Version": "2012-10-17", "Statement": [{
    "Sid": "ReadOnly", "Effect": "Allow", "Principal": "*",
    "Action": ["apprunner:List*", "apprunner:Describe*"], "Resource": "*"}]}
CREATE_CONNECTION = """
import boto3, sys
client = boto3.client("apprunner", region_name="us-east-1")
try:
    client.create_connection(ConnectionName="refused", ProviderType="GITHUB")
except client.exceptions.ClientError as error:
    print(error.response["Error"]["Code"])
    sys.exit(0)
sys.exit(9)
"""


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


class Dashboard:
    """One page of the dashboard, watching for console errors and for any request that leaves the server."""

    def __init__(self, browser, server, scheme: str = "light"):
        self.server = server
        self.context = browser.new_context(viewport={"width": 1400, "height": 900}, color_scheme=scheme)
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT)
        self.errors: list[str] = []
        self.elsewhere: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", self._request)

    def _request(self, request) -> None:
        ours = request.url.startswith(self.server.url + "/")
        application = re.match(rf"http://[\w.-]+\.localhost:{self.server.port}/", request.url)  # a service's URL
        if not (ours or application):
            self.elsewhere.append(request.url)

    def open(self, route: str = "") -> "Dashboard":
        self.page.goto(f"{self.server.url}/_runnerlink/ui{route}")
        return self

    def shot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000  # a picture, not a blank page
        return path

    def by(self, testid: str):
        return self.page.get_by_test_id(testid)

    def close(self) -> None:
        self.context.close()
        assert self.errors == [], self.errors
        assert self.elsewhere == [], self.elsewhere


@pytest.fixture
def dashboard(browser, server):
    opened = Dashboard(browser, server)
    yield opened
    opened.close()


def private_network(ec2, second_octet: int = 0, policy: dict | None = READ_ONLY):
    """A private VPC (two subnets) with an App Runner endpoint, private DNS on, limited to List*/Describe*."""
    network = make_network(ec2, second_octet=second_octet)
    params = {"PrivateDnsEnabled": True}
    if policy is not None:
        params["PolicyDocument"] = json.dumps(policy)
    endpoint = make_endpoint(ec2, network, **params)["VpcEndpointId"]
    wait_available(ec2, endpoint)
    return network, endpoint


def resource(dash: Dashboard, resource_id: str):
    return dash.by("resources").locator(f'[data-resource-id="{resource_id}"]')


def node(dash: Dashboard, resource_id: str):
    return dash.by("diagram").locator(f'g.node[data-id="{resource_id}"]')


def test_the_network_view_draws_the_vpc_and_follows_changes(dashboard, server, account, ec2, apprunner):
    network, endpoint = private_network(ec2)
    app_group = ec2.create_security_group(GroupName="app", Description="app", VpcId=network.vpc_id)["GroupId"]
    connector = apprunner.create_vpc_connector(VpcConnectorName="egress", Subnets=network.subnet_ids,
                                               SecurityGroups=[app_group])["VpcConnector"]["VpcConnectorArn"]
    dashboard.open(f"#/network?account={account}&region=us-east-1&vpc={network.vpc_id}")
    page = dashboard.page

    expect(dashboard.by("tab-network")).to_have_attribute("aria-selected", "true")
    expect(dashboard.by("scope")).to_have_value(f"{account}/us-east-1")
    expect(dashboard.by("vpc-item").and_(page.locator(f'[data-vpc="{network.vpc_id}"]'))).to_be_visible()
    for subnet in network.subnet_ids:
        expect(node(dashboard, subnet)).to_be_visible()
        expect(resource(dashboard, subnet)).to_contain_text("private")
        expect(resource(dashboard, subnet)).to_have_attribute("data-kind", "subnet")
    expect(node(dashboard, endpoint)).to_be_visible()
    row = resource(dashboard, endpoint)
    expect(row).to_have_attribute("data-kind", "endpoint")
    expect(row).to_contain_text("available")
    expect(row).to_contain_text("apprunner:List*, apprunner:Describe*")
    expect(row).to_contain_text(re.compile("private DNS[: ]+on", re.I))
    expect(resource(dashboard, network.group_id)).to_have_attribute("data-kind", "security-group")
    expect(resource(dashboard, network.group_id)).to_contain_text("443")
    expect(resource(dashboard, connector)).to_have_attribute("data-kind", "connector")
    main_table = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [network.vpc_id]}])["RouteTables"][0]
    expect(resource(dashboard, main_table["RouteTableId"])).to_have_attribute("data-kind", "route-table")
    dashboard.shot("network-private")

    # The view follows the store: an internet gateway and a default route make both subnets public, live.
    make_public(ec2, network)
    igw = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [network.vpc_id]}])
    igw_id = igw["InternetGateways"][0]["InternetGatewayId"]
    expect(node(dashboard, igw_id)).to_be_visible()
    expect(resource(dashboard, igw_id)).to_have_attribute("data-kind", "internet-gateway")
    for subnet in network.subnet_ids:
        expect(resource(dashboard, subnet)).to_contain_text("public")
    dashboard.shot("network-public")


def test_many_vpcs_are_listed_and_searchable(dashboard, server, account, ec2):
    made = [ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")["Vpc"]["VpcId"] for i in range(1, 5)]
    ec2.create_tags(Resources=[made[2]], Tags=[{"Key": "Name", "Value": "payments"}])
    dashboard.open(f"#/network?account={account}&region=us-east-1")
    items = dashboard.by("vpc-item")
    expect(items).to_have_count(5)  # the four and the default VPC
    dashboard.by("vpc-search").fill("payments")
    expect(items).to_have_count(1)
    expect(items.first).to_have_attribute("data-vpc", made[2])
    items.first.press("Enter")
    expect(dashboard.by("diagram").locator(f'svg[data-vpc="{made[2]}"]')).to_be_visible()


@pytest.fixture(scope="module")
def roomy_server():
    """A server of its own whose accounts may hold 100 VPCs a region (the shared one keeps AWS's default of 5)."""
    running = RunningServer(state="memory", lifecycle_delay=LIFECYCLE_DELAY,
                            extra_env={"RUNNERLINK_VPC_QUOTA": "100"}).start()
    yield running
    running.stop()


def test_a_vpc_list_longer_than_the_page_is_virtualised_searchable_and_keyboard_driven(browser, roomy_server):
    ec2 = roomy_server.client("ec2", account="123456789012")
    made = [ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")["Vpc"]["VpcId"] for i in range(60)]
    for i, vpc_id in enumerate(made):
        ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "Name", "Value": f"team-{i:02d}"}])
    listed = sorted(v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"])  # the list's order: by id
    far = listed[-1]
    dash = Dashboard(browser, roomy_server).open("#/network?account=123456789012&region=us-east-1")
    try:
        page = dash.page
        items = dash.by("vpc-item")
        expect(dash.by("vpc-count")).to_contain_text("61 VPCs")
        expect(items.first).to_be_visible()
        assert 0 < items.count() < 40  # only the rows in view and a few around them
        expect(page.locator(f'[data-testid=vpc-item][data-vpc="{far}"]')).to_have_count(0)
        expect(page.locator('[data-testid=vpc-item][tabindex="0"]')).to_have_count(1)  # one Tab stop

        # The keyboard: Down from the search to the first row, End to the last (read from the server), Enter opens.
        dash.by("vpc-search").focus()
        page.keyboard.press("ArrowDown")
        expect(items.first).to_be_focused()
        page.keyboard.press("End")
        last = page.locator(f'[data-testid=vpc-item][data-vpc="{far}"]')
        expect(last).to_be_focused()
        expect(page.locator('[data-testid=vpc-item][tabindex="0"]')).to_have_count(1)
        page.keyboard.press("Enter")
        expect(dash.by("diagram").locator(f'svg[data-vpc="{far}"]')).to_be_visible()
        expect(last).to_have_attribute("aria-selected", "true")
        # A write refreshes the rows in view where they are (no jump to the top), focus kept.
        ec2.create_tags(Resources=[far], Tags=[{"Key": "Name", "Value": "renamed-far"}])
        expect(last).to_contain_text("renamed-far")
        assert page.evaluate("document.querySelector('.vpc-list').scrollTop") > 0

        # A search finds a VPC far down the list; Enter in the search box opens the first match.
        target = max(v for v in made if v != far)
        dash.by("vpc-search").fill(f"team-{made.index(target):02d}")
        expect(items).to_have_count(1)
        expect(items.first).to_have_attribute("data-vpc", target)
        expect(dash.by("vpc-count")).to_contain_text("1 VPC match")
        dash.by("vpc-search").press("Enter")
        expect(dash.by("diagram").locator(f'svg[data-vpc="{target}"]')).to_be_visible()
        dash.shot("network-many-vpcs")
    finally:
        dash.close()


def test_requests_arrive_live_and_open_to_hops_decision_and_statement(dashboard, server, account, ec2):
    network, endpoint = private_network(ec2)
    closed = make_network(ec2, second_octet=1)  # no endpoint, no internet: App Runner is unreachable from it
    dashboard.open(f"#/traffic?account={account}")
    expect(dashboard.by("live-status")).to_contain_text("live")

    allowed = exec_in(server, account, network.subnet_ids[0], sys.executable, "-c", LIST_SERVICES)
    assert allowed.returncode == 0, allowed.stderr
    refused = exec_in(server, account, network.subnet_ids[0], sys.executable, "-c", CREATE_CONNECTION)
    assert refused.stdout.strip() == "AccessDeniedException", refused.stderr
    unreachable = exec_in(server, account, closed.subnet_ids[0], sys.executable, "-c", LIST_SERVICES,
                          env={"AWS_MAX_ATTEMPTS": "1"})  # one attempt: botocore retries a failed connection
    assert unreachable.returncode == 7

    # They arrive without a reload, newest first.
    rows = dashboard.by("traffic-row")
    listing = rows.and_(dashboard.page.locator('[data-operation="ListServices"][data-outcome="endpoint"]'))
    expect(listing).to_have_count(1)
    creating = rows.and_(dashboard.page.locator('[data-operation="CreateConnection"]'))
    expect(creating).to_have_attribute("data-outcome", "endpoint")
    lost = rows.and_(dashboard.page.locator('[data-outcome="unreachable"]'))
    expect(lost).to_have_count(1)
    dashboard.shot("traffic-live")

    listing.click()
    detail = dashboard.by("traffic-detail")
    expect(detail.get_by_test_id("detail-status")).to_contain_text("200")
    steps = detail.get_by_test_id("hop")
    expect(steps).to_have_count(4)
    assert [steps.nth(i).get_attribute("data-step") for i in range(4)] == ["dns", "route", "security-group",
                                                                           "endpoint"]
    expect(detail.locator('[data-testid=hop][data-ok="false"]')).to_have_count(0)
    expect(detail.get_by_test_id("decision")).to_contain_text("allowed")
    expect(detail.get_by_test_id("decision")).to_contain_text(endpoint)
    expect(detail.get_by_test_id("decision")).to_contain_text("ReadOnly")
    expect(detail.get_by_test_id("statement")).to_contain_text("apprunner:Describe*")
    dashboard.shot("traffic-allowed")

    creating.click()
    expect(detail.get_by_test_id("detail-status")).to_contain_text("400")
    expect(detail.get_by_test_id("decision")).to_contain_text("implicitDeny")

    lost.click()
    expect(detail.locator('[data-testid=hop][data-ok="false"]')).to_have_count(1)
    expect(detail).to_contain_text(closed.subnet_ids[0])

    # Filters narrow the list and the count, on the server's side.
    dashboard.by("filter-decision").select_option("implicitDeny")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-operation", "CreateConnection")
    expect(dashboard.by("traffic-count")).to_contain_text("1")
    dashboard.by("filter-decision").select_option("")
    dashboard.by("filter-outcome").select_option("unreachable")
    expect(rows).to_have_count(1)
    dashboard.by("filter-outcome").select_option("")
    dashboard.by("filter-vpc").select_option(network.vpc_id)
    expect(rows).to_have_count(2)
    dashboard.shot("traffic-filtered")

    # Its hops on the topology: the network view of the request's VPC, the endpoint and subnet highlighted.
    listing.click()
    dashboard.by("show-on-topology").click()
    expect(dashboard.by("tab-network")).to_have_attribute("aria-selected", "true")
    expect(node(dashboard, endpoint)).to_have_class(re.compile(r"\bhighlight\b"))
    expect(node(dashboard, network.subnet_ids[0])).to_have_class(re.compile(r"\bhighlight\b"))
    expect(resource(dashboard, endpoint)).to_have_class(re.compile(r"\bhighlight\b"))
    # The endpoint's interface (named by the endpoint hop) is this VPC's; the exec's workload ended with its command.
    notice = dashboard.by("highlight-notice")
    interfaces = ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint])["VpcEndpoints"][0]["NetworkInterfaceIds"]
    expect(notice).to_contain_text(re.compile("|".join(interfaces)))
    expect(notice).not_to_contain_text("not in this VPC")
    expect(notice).to_contain_text(re.compile(r"no longer exists: wl-"))
    dashboard.shot("traffic-on-topology")


def test_a_deep_link_opens_one_request(dashboard, server, account, ec2):
    network, _ = private_network(ec2)
    done = exec_in(server, account, network.subnet_ids[0], sys.executable, "-c", LIST_SERVICES)
    assert done.returncode == 0, done.stderr
    entries = dashboard.page.request.get(f"{server.url}/_runnerlink/traffic?operation=ListServices&limit=1000").json()
    seq = [e for e in entries["requests"] if e["account"] == account][-1]["seq"]
    dashboard.open(f"#/traffic?seq={seq}")
    expect(dashboard.by("traffic-detail").get_by_test_id("hop")).to_have_count(4)


def test_audit_findings_link_to_their_resources(dashboard, server, account, ec2):
    network = make_network(ec2)
    endpoint = make_endpoint(ec2, network, PrivateDnsEnabled=False)["VpcEndpointId"]
    wait_available(ec2, endpoint)
    dashboard.open(f"#/audit?account={account}&region=us-east-1")
    finding = dashboard.by("finding").and_(dashboard.page.locator('[data-rule="endpoint-dns-name-off"]'))
    expect(finding).to_have_attribute("data-resource", endpoint)
    expect(finding).to_have_attribute("data-severity", "high")
    expect(dashboard.by("audit-summary")).to_contain_text("high")
    dashboard.shot("audit")

    finding.get_by_test_id("finding-resource").filter(has_text=endpoint).first.click()
    expect(dashboard.by("tab-network")).to_have_attribute("aria-selected", "true")
    expect(node(dashboard, endpoint)).to_have_class(re.compile(r"\bhighlight\b"))
    expect(resource(dashboard, endpoint)).to_have_class(re.compile(r"\bhighlight\b"))


def test_the_audit_reads_its_findings_in_pages_filtered_by_the_server(dashboard, server, account, ec2):
    networks = [make_network(ec2, second_octet=i) for i in range(3)]
    services = ["sts", "logs", "ecr.api", "ecr.dkr", "kms"]
    endpoints = [make_endpoint(ec2, net, f"com.amazonaws.us-east-1.{services[i % 5]}")["VpcEndpointId"]
                 for net in networks for i in range(50)]  # private DNS off, full access: two findings each
    dashboard.open(f"#/audit?account={account}&region=us-east-1")
    findings = dashboard.by("finding")
    expect(dashboard.by("audit-summary")).to_contain_text("300 findings")
    expect(findings).to_have_count(100)
    expect(dashboard.by("audit-shown")).to_contain_text("100 of 300")
    more = dashboard.by("audit-more")
    more.click()
    expect(findings).to_have_count(200)
    expect(findings.nth(100)).to_be_focused()  # reading goes on at the first new one
    more.click()
    expect(findings).to_have_count(300)
    expect(more).to_be_hidden()

    # The menus go to the server: the rule's 150, then that rule's high ones, all in the route.
    dashboard.by("audit-rule").select_option("endpoint-dns-name-off")
    expect(dashboard.by("audit-shown")).to_contain_text("100 of 150")
    expect(findings).to_have_count(100)
    assert {findings.nth(i).get_attribute("data-rule") for i in range(100)} == {"endpoint-dns-name-off"}
    dashboard.by("audit-severity").select_option("medium")
    expect(dashboard.by("audit-shown")).to_be_empty()
    expect(dashboard.by("findings")).to_contain_text("No finding matches")
    assert "rule=endpoint-dns-name-off" in dashboard.page.url and "severity=medium" in dashboard.page.url
    dashboard.by("audit-severity").select_option("")
    expect(findings).to_have_count(100)
    expect(dashboard.by("audit-summary")).to_contain_text("300 findings")  # the summary counts them all

    # The route's filters: one VPC's findings, one resource's.
    dashboard.open(f"#/audit?account={account}&region=us-east-1&vpc={networks[1].vpc_id}")
    expect(dashboard.by("audit-shown")).to_contain_text("100 of 100")
    expect(more).to_be_hidden()
    dashboard.open(f"#/audit?account={account}&region=us-east-1&resource={endpoints[7]}")
    expect(findings).to_have_count(2)
    expect(findings.first).to_have_attribute("data-resource", endpoints[7])
    expect(dashboard.by("audit-filter-note")).to_contain_text(endpoints[7])


def test_app_runner_services_show_status_operations_a_working_url_and_logs(dashboard, server, apprunner, account,
                                                                           tmp_path):
    source = code_source(f"file://{python_app(tmp_path / 'site', version='dashboard')}")
    service = apprunner.create_service(ServiceName="site", SourceConfiguration=source,
                                       HealthCheckConfiguration=FAST_HEALTH)["Service"]
    assert wait_settled(apprunner, service["ServiceArn"])["Status"] == "RUNNING"
    dashboard.open(f"#/apprunner?account={account}&region=us-east-1&service=site")
    row = dashboard.by("app-service").and_(dashboard.page.locator('[data-name="site"]'))
    expect(row.get_by_test_id("app-status")).to_contain_text("RUNNING")
    expect(row.get_by_test_id("app-operation").first).to_contain_text("CREATE_SERVICE")
    expect(row.get_by_test_id("app-operation").first).to_contain_text("SUCCEEDED")
    link = row.get_by_test_id("app-url")
    expect(link).to_have_attribute("href", re.compile(rf"^http://{re.escape(service['ServiceUrl'])}\.localhost:"))
    expect(dashboard.by("app-logs")).to_contain_text("app starting on")
    dashboard.shot("apprunner")

    # The link opens the application in the browser (Chromium resolves *.localhost to this machine).
    opened = dashboard.context.new_page()
    answer = opened.goto(link.get_attribute("href") + "/from-the-dashboard")
    assert answer.ok and answer.json()["version"] == "dashboard"
    assert answer.json()["path"] == "/from-the-dashboard"
    opened.close()
    # The request the link made is the application's own: its log follows, live.
    expect(dashboard.by("app-logs")).to_contain_text("request GET /from-the-dashboard")


def test_keyboard_alone_moves_between_tabs_and_opens_a_request(dashboard, server, account, ec2):
    network, _ = private_network(ec2)
    assert exec_in(server, account, network.subnet_ids[0], sys.executable, "-c", LIST_SERVICES).returncode == 0
    dashboard.open(f"#/network?account={account}")
    page = dashboard.page
    dashboard.by("tab-network").focus()
    page.keyboard.press("ArrowRight")
    expect(dashboard.by("tab-traffic")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dashboard.by("tab-traffic")).to_have_attribute("aria-selected", "true")
    expect(dashboard.by("panel-traffic")).to_be_visible()
    expect(dashboard.by("panel-network")).to_be_hidden()

    row = dashboard.by("traffic-row").first
    expect(row).to_be_visible()
    row.focus()
    page.keyboard.press("Enter")
    expect(dashboard.by("traffic-detail")).to_be_visible()
    page.keyboard.press("Escape")
    expect(dashboard.by("traffic-detail")).to_be_hidden()


def test_both_themes_are_readable(browser, server, account, ec2):
    network, _ = private_network(ec2)
    colours = {}
    for scheme in ("light", "dark"):
        dash = Dashboard(browser, server, scheme).open(f"#/network?account={account}&vpc={network.vpc_id}")
        expect(node(dash, network.subnet_ids[0])).to_be_visible()
        assert dash.page.evaluate("document.documentElement.dataset.theme") == scheme
        colours[scheme] = dash.page.evaluate(
            "[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]")
        dash.shot(f"theme-{scheme}")
        dash.by("theme-toggle").click()
        flipped = "dark" if scheme == "light" else "light"
        assert dash.page.evaluate("document.documentElement.dataset.theme") == flipped
        dash.page.reload()  # remembered
        expect(node(dash, network.subnet_ids[0])).to_be_visible()
        assert dash.page.evaluate("document.documentElement.dataset.theme") == flipped
        dash.close()
    assert colours["light"] != colours["dark"]
    for background, text in colours.values():
        assert contrast(background, text) >= 7, (background, text)


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two CSS rgb()/rgba() colours."""
    def luminance(colour: str) -> float:
        red, green, blue = (int(v) / 255 for v in re.findall(r"[\d.]+", colour)[:3])
        channel = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
        return 0.2126 * channel[0] + 0.7152 * channel[1] + 0.0722 * channel[2]
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_assets_are_the_servers_own(server):
    """Every asset is served by runnerlink with a policy that lets the browser load nothing from elsewhere."""
    import urllib.parse
    import urllib.request
    with urllib.request.urlopen(f"{server.url}/_runnerlink/ui") as response:
        page = response.read().decode()
        policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assets = re.findall(r"""(?:src|href)=["']?([\w./-]+\.(?:js|css))""", page)
    assert assets
    for asset in assets:
        with urllib.request.urlopen(urllib.parse.urljoin(f"{server.url}/_runnerlink/ui", asset)) as response:
            assert response.status == 200
            text = response.read().decode()
            assert not re.search(r"""(?:import|from)\s*\(?["']https?:""", text), asset
