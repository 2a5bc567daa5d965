import { expect } from "chai";
import { gatewayUrl } from "../../scripts/walkthrough";

describe("walkthrough: which gateway it calls", function () {
  it("when only PORT is set, then it calls the gateway on that port over IPv4 (as npm start listens)", () => {
    expect(gatewayUrl({ PORT: "3000" })).to.equal("http://127.0.0.1:3000");
  });
  it("when nothing is set, then it calls port 8080, the gateway's default", () => {
    expect(gatewayUrl({})).to.equal("http://127.0.0.1:8080");
  });
  it("when GATEWAY_URL is set, then it overrides PORT (without a trailing slash)", () => {
    expect(gatewayUrl({ PORT: "3000", GATEWAY_URL: "https://gw.example/" })).to.equal("https://gw.example");
  });
  it("when PORT is not a port number, then it says so instead of failing to fetch", () => {
    expect(() => gatewayUrl({ PORT: "abc" })).to.throw(/PORT must be a port number/);
  });
});
