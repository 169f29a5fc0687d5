<?xml version="1.0" encoding="UTF-8"?>
<!-- fan-out: 1:N transfer; each send keeps its own progress -->
<dmhs>
  <base>
    <lang>en</lang>
    <mgr_port>5545</mgr_port>
    <ckpt_interval>60</ckpt_interval>
    <siteid>5</siteid>
    <version>2.0</version>
  </base>
  <transfer>
    <recv>
      <mgr_port>5545</mgr_port>
      <data_port>5546</data_port>
    </recv>
    <!-- hop 1: exec-a gets every table -->
    <send>
      <ip>127.0.0.1</ip>
      <mgr_port>5645</mgr_port>
      <data_port>5646</data_port>
    </send>
    <!-- hop 2: exec-b gets only app.orders, renamed into the report schema -->
    <send>
      <ip>127.0.0.1</ip>
      <mgr_port>5745</mgr_port>
      <data_port>5746</data_port>
      <filter>
        <enable><item>app.orders</item></enable>
      </filter>
      <map>
        <item>app.orders == report.orders</item>
      </map>
    </send>
  </transfer>
</dmhs>
