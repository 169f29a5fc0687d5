<?xml version="1.0" encoding="UTF-8"?>
<!-- route: N:N forwarding; each send picks origins by siteid -->
<dmhs>
  <base>
    <lang>en</lang>
    <mgr_port>5545</mgr_port>
    <ckpt_interval>60</ckpt_interval>
    <siteid>9</siteid>
    <version>2.0</version>
  </base>
  <route>
    <!-- one listener per upstream -->
    <recv>
      <mgr_port>5545</mgr_port>
      <data_port>5546</data_port>
    </recv>
    <recv>
      <mgr_port>5545</mgr_port>
      <data_port>5547</data_port>
    </recv>
    <!-- exec-x: changes from every origin -->
    <send>
      <ip>127.0.0.1</ip>
      <mgr_port>5645</mgr_port>
      <data_port>5646</data_port>
      <siteids>*</siteids>
    </send>
    <!-- exec-y: only changes captured at site 2 -->
    <send>
      <ip>127.0.0.1</ip>
      <mgr_port>5745</mgr_port>
      <data_port>5746</data_port>
      <siteids>2</siteids>
      <enable_compress>1</enable_compress>
    </send>
  </route>
</dmhs>
