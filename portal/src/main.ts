import "./style.css";
import { SdaPortal } from "./app";

customElements.define("sda-portal", SdaPortal);
